"""Reads behind the spreadsheets: a year's values across regions (paginated), and what a
department's template is filled with."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import Session

from app.db import repositories as repo
from app.db.facts import decode
from app.db.tables import Award, Platform
from app.db.types import utcnow
from app.domain import InvalidInput, Problem
from app.services import data
from app.services.access import REGISTRY_DEPARTMENTS
from app.services.audit import Actor
from app.services.errors import Forbidden, NotFound
from app.services.paging import page
from app.services.regions import get_region
from app.spreadsheets.template import TemplateData, department_elements

TEMPLATE_LEVEL = "county"


def _scope(session: Session, actor: Actor | None, parent: str | None) -> list[str] | None:
    """Codes of `parent` and everything below it, within the key's region; None for all."""
    principal = actor.principal if actor is not None else None
    if parent is not None:
        get_region(session, parent)
        if principal is not None and not principal.covers(parent):
            raise Forbidden(f"region {parent} is outside the key's region {principal.region}")
        return repo.subtree_codes(session, parent)
    if principal is not None and principal.scope is not None:
        return sorted(principal.scope)
    return None


def year_values(
    session: Session,
    year: int,
    *,
    department: str | None = None,
    parent: str | None = None,
    element: str | None = None,
    limit: int = 1000,
    offset: int = 0,
) -> dict[str, Any]:
    """Every stored value of the year, by region code then the scheme's element order."""
    scheme = data.period_scheme(session, year)
    period = repo.get_period(session, year)
    problems = []
    if department is not None and department not in scheme.departments:
        problems.append(
            Problem(
                "department", f"unknown department {department!r}; expected {', '.join(scheme.departments)}"
            )
        )
    if element is not None and element not in scheme.elements:
        problems.append(Problem("element", f"unknown element {element!r} in scheme {scheme.code}"))
    if problems:
        raise InvalidInput(problems)
    codes = _scope(session, None, parent)
    wanted = {
        code
        for code, el in scheme.elements.items()
        if (department is None or el.department == department) and (element is None or code == element)
    }
    order = {code: i for i, code in enumerate(scheme.elements)}
    rows = sorted(
        (r for r in repo.values_of(session, year, codes) if r.element in wanted),
        key=lambda r: (r.region_code, order.get(r.element, len(order))),
    )
    items = [
        {
            "region": r.region_code,
            "element": r.element,
            "value": decode(scheme, r.element, r.value_number, r.value_text),
            "comment": r.comment,
            "posted_by": r.posted_by,
            "source": r.posted_by,
            "updated_at": r.updated_at,
        }
        for r in rows[offset : offset + limit]
    ]
    return {
        "year": year,
        "scheme": scheme.code,
        "period_status": period.status if period else "open",
        "department": department,
        "parent": parent,
        "element": element,
        **page(items, len(rows), limit, offset),
    }


def _item(row: Platform | Award) -> dict[str, Any]:
    out = {k: getattr(row, k) for k in type(row).model_fields if k not in ("created_at", "updated_at")}
    out["region"] = row.region_code
    return out


def template_data(
    session: Session,
    year: int,
    actor: Actor,
    *,
    department: str | None = None,
    parent: str | None = None,
) -> TemplateData:
    """The template's content: the department's elements for each county in scope, with the
    values stored, and the registry items when the department keeps the registries."""
    scheme = data.period_scheme(session, year)
    period = repo.get_period(session, year)
    assert period is not None
    principal = actor.principal
    if department is None:
        own = sorted(principal.departments)
        if len(own) != 1:
            hint = f"one of {', '.join(own)}" if own else f"one of {', '.join(scheme.departments)}"
            raise InvalidInput([Problem("department", f"name the department of the template: {hint}")])
        department = own[0]
    if department not in scheme.departments:
        raise InvalidInput(
            [
                Problem(
                    "department",
                    f"unknown department {department!r}; expected {', '.join(scheme.departments)}",
                )
            ]
        )
    if not department_elements(scheme, department):
        raise NotFound("department elements", department)
    codes = _scope(session, actor, parent)
    regions = repo.regions_in(session, codes, TEMPLATE_LEVEL)
    region_codes = [r.code for r in regions]
    values = {
        (r.region_code, r.element): v
        for r in repo.values_of(session, year, region_codes)
        for v in [decode(scheme, r.element, r.value_number, r.value_text)]
        if v is not None
    }
    registries: dict[str, list[dict[str, Any]]] = {}
    if department in REGISTRY_DEPARTMENTS:
        for code, model in (("platform", Platform), ("award", Award)):
            items, _ = repo.list_items(
                session,
                model,
                region_codes=region_codes,
                type_=None,
                level=None,
                active_in=year,
                limit=100_000,
                offset=0,
            )
            registries[code] = [_item(i) for i in items]
    return TemplateData(
        scheme=scheme,
        year=year,
        round_label=period.round_label,
        period_status=period.status,
        department=department,
        regions=[(r.code, r.name_zh) for r in regions],
        values=values,
        registries=registries,
        generated_at=utcnow(),
        due_on=getattr(period, "due_on", None) if isinstance(getattr(period, "due_on", None), date) else None,
    )
