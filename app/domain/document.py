"""The scoring document: one region-year as plain JSON data, checked in full before scoring.

    {"scheme": "hebei-county-2019", "year": 2020, "region": "130102"?,
     "values": {element: value},
     "platforms": [{"type", "level", "recognized_on", "revoked_on"?, "name"?}],
     "awards": [{"type", "level", "awarded_on", "name"?}]}

Every problem is reported with the path of its field, all of them at once.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from app.domain.elements import accepted, resolve_code
from app.domain.facts import Facts, RegistryItem
from app.domain.problems import InvalidInput, Problem, SchemeNotFound
from app.domain.scheme import Scheme, Value

MIN_YEAR, MAX_YEAR = 1949, 2100
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

#: document list -> (registry code, start date field, end date field or None)
DOCUMENT_REGISTRIES: dict[str, tuple[str, str, str | None]] = {
    "platforms": ("platform", "recognized_on", "revoked_on"),
    "awards": ("award", "awarded_on", None),
}
_TOP_LEVEL = {"scheme", "year", "region", "values", *DOCUMENT_REGISTRIES}


def parse_date(raw: object) -> date:
    """An ISO calendar date `YYYY-MM-DD` (or a date already); raises ValueError with the reason."""
    if isinstance(raw, date):
        return raw
    if not isinstance(raw, str) or not _ISO_DATE.match(raw):
        raise ValueError("must be a date written YYYY-MM-DD")
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"{raw!r} is not a calendar date") from None


def check_year(raw: object) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise ValueError("must be a whole number (the data year)")
    if not MIN_YEAR <= raw <= MAX_YEAR:
        raise ValueError(f"must be between {MIN_YEAR} and {MAX_YEAR}")
    return raw


def parse_value(scheme: Scheme, element: str, raw: object) -> Value:
    """Check one element value under `scheme`; raises ValueError with the reason."""
    el = scheme.elements.get(element)
    if el is None:
        raise KeyError(element)
    return el.parse(raw)


def item_codes(scheme: Scheme, registry: str, type_: object, level: object) -> tuple[object, object]:
    """An item's type and level as codes: a Chinese or English name or an alias the scheme
    declares (省级, 省, Provincial) becomes its code; what names nothing is returned as it is."""
    reg = scheme.registries[registry]
    found_type = resolve_code(reg.types, type_)
    found_level = resolve_code(scheme.levels.values(), level)
    return (
        found_type if found_type is not None else type_,
        found_level if found_level is not None else level,
    )


def check_item_kind(scheme: Scheme, registry: str, type_: object, level: object) -> list[Problem]:
    """Problems with an item's type and level (field names 'type' and 'level'), codes or labels."""
    reg = scheme.registries[registry]
    problems = []
    if resolve_code(reg.types, type_) is None:
        problems.append(
            Problem("type", f"unknown {registry} type {type_!r}; expected one of {accepted(reg.types)}")
        )
    if resolve_code(scheme.levels.values(), level) is None:
        problems.append(
            Problem("level", f"unknown level {level!r}; expected one of {accepted(scheme.levels.values())}")
        )
    return problems


def check_item_dates(start: date | None, end: date | None, start_field: str, end_field: str) -> list[Problem]:
    if start is not None and end is not None and end < start:
        return [Problem(end_field, f"{end.isoformat()} is before {start_field} {start.isoformat()}")]
    return []


def parse_document(doc: object, schemes: Callable[[str], Scheme]) -> tuple[Scheme, Facts, str | None]:
    """Check a scoring document and turn it into (scheme, facts, region).

    `schemes` looks a scheme up by code (raising SchemeNotFound). Raises InvalidInput listing
    every problem found.
    """
    if not isinstance(doc, Mapping):
        raise InvalidInput([Problem("(document)", "must be a JSON object")])
    problems: list[Problem] = []
    for key in doc:
        if key not in _TOP_LEVEL:
            problems.append(Problem(str(key), "unknown field"))

    scheme: Scheme | None = None
    code = doc.get("scheme")
    if not isinstance(code, str):
        problems.append(Problem("scheme", "must be the code of a scheme, e.g. 'hebei-county-2019'"))
    else:
        try:
            scheme = schemes(code)
        except SchemeNotFound:
            problems.append(Problem("scheme", f"unknown scheme {code!r}"))

    year = 0
    try:
        year = check_year(doc.get("year"))
    except ValueError as exc:
        problems.append(Problem("year", str(exc)))

    region = doc.get("region")
    if region is not None and not isinstance(region, str):
        problems.append(Problem("region", "must be a string (a division code)"))
        region = None

    values: dict[str, Value] = {}
    raw_values = doc.get("values", {})
    if not isinstance(raw_values, Mapping):
        problems.append(Problem("values", "must be an object of element: value"))
        raw_values = {}
    if scheme is not None:
        for element, raw in raw_values.items():
            if raw is None:
                continue  # an explicit null is the same as leaving the element out
            try:
                values[element] = parse_value(scheme, element, raw)
            except KeyError:
                problems.append(Problem(f"values.{element}", "unknown element"))
            except ValueError as exc:
                problems.append(Problem(f"values.{element}", str(exc)))

    items: list[RegistryItem] = []
    for list_name, (registry, start_field, end_field) in DOCUMENT_REGISTRIES.items():
        raw_items = doc.get(list_name, [])
        if not isinstance(raw_items, list):
            problems.append(Problem(list_name, "must be a list"))
            continue
        for i, raw in enumerate(raw_items):
            where = f"{list_name}[{i}]"
            item, item_problems = parse_item(scheme, registry, raw, start_field, end_field, i)
            problems.extend(Problem(f"{where}.{p.field}", p.reason) for p in item_problems)
            if item is not None:
                items.append(item)

    if problems or scheme is None:
        raise InvalidInput(problems)
    return scheme, Facts(year, values, tuple(items)), region


def parse_item(
    scheme: Scheme | None,
    registry: str,
    raw: object,
    start_field: str,
    end_field: str | None,
    default_id: int | str,
    *,
    id_field: bool = True,
) -> tuple[RegistryItem | None, list[Problem]]:
    """Check one registry item given as an object ({type, level, name?, <start_field>,
    <end_field>?, id?}) and build it; problems carry the item's own field names.

    Used by the scoring document and by the what-if of the analytics; `default_id` names an item
    that carries no `id` (or may not: id_field=False)."""
    if not isinstance(raw, Mapping):
        return None, [Problem("(item)", "must be an object")]
    if scheme is not None and registry not in scheme.registries:
        return None, [Problem("type", f"scheme {scheme.code} has no {registry} registry")]
    allowed = {"type", "level", "name", start_field} | ({end_field} if end_field else set())
    if id_field:
        allowed.add("id")
    problems = [Problem(str(k), "unknown field") for k in raw if k not in allowed]
    if scheme is not None:
        problems += check_item_kind(scheme, registry, raw.get("type"), raw.get("level"))
    start = end = None
    try:
        start = parse_date(raw.get(start_field))
    except ValueError as exc:
        problems.append(Problem(start_field, str(exc)))
    if end_field and raw.get(end_field) is not None:
        try:
            end = parse_date(raw.get(end_field))
        except ValueError as exc:
            problems.append(Problem(end_field, str(exc)))
        problems += check_item_dates(start, end, start_field, end_field)
    name = raw.get("name")
    if name is not None and not isinstance(name, str):
        problems.append(Problem("name", "must be a string"))
    if problems or start is None:
        return None, problems
    item_id: Any = raw.get("id", default_id) if id_field else default_id
    type_, level = raw["type"], raw["level"]
    if scheme is not None:
        type_, level = item_codes(scheme, registry, type_, level)
    return RegistryItem(registry, str(type_), str(level), start, end, name, item_id), []
