"""The what-if: changes to a region-year's data, checked as a real write checks them, and scored."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from app.domain.document import parse_item
from app.domain.facts import Facts
from app.domain.numbers import json_object
from app.domain.problems import InvalidInput, Problem
from app.domain.rules.base import NewItem
from app.domain.scheme import Scheme, Value
from app.domain.scoring import Breakdown, score


@dataclass(frozen=True)
class Changes:
    """A what-if as sent to the simulate endpoint: element values (None removes one), registry
    items to add (as plain dicts: type, level, name?, dates) and ids of counted items to remove."""

    values: Mapping[str, object] = field(default_factory=dict)
    add_platforms: Sequence[Mapping[str, object]] = ()
    remove_platforms: Sequence[object] = ()
    add_awards: Sequence[Mapping[str, object]] = ()
    remove_awards: Sequence[object] = ()

    def to_dict(self) -> dict[str, Any]:
        return json_object(
            {
                "values": dict(self.values),
                "add_platforms": list(self.add_platforms),
                "remove_platforms": list(self.remove_platforms),
                "add_awards": list(self.add_awards),
                "remove_awards": list(self.remove_awards),
            }
        )

    def merge(self, other: Changes) -> Changes:
        """These changes, then `other` (a value set twice keeps the later one)."""
        return Changes(
            {**self.values, **other.values},
            (*self.add_platforms, *other.add_platforms),
            (*self.remove_platforms, *other.remove_platforms),
            (*self.add_awards, *other.add_awards),
            (*self.remove_awards, *other.remove_awards),
        )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Changes:
        return cls(
            dict(data.get("values") or {}),
            tuple(data.get("add_platforms") or ()),
            tuple(data.get("remove_platforms") or ()),
            tuple(data.get("add_awards") or ()),
            tuple(data.get("remove_awards") or ()),
        )


#: change list -> (registry, start date field, end date field or None)
_ADDED = {
    "add_platforms": ("platform", "recognized_on", "revoked_on"),
    "add_awards": ("award", "awarded_on", None),
}
_REMOVED = {"remove_platforms": "platform", "remove_awards": "award"}


def apply_changes(scheme: Scheme, facts: Facts, changes: Changes) -> Facts:
    """`facts` with `changes` applied, checked as a real write checks them.

    Values go through `Element.parse` (None removes the value); added items through
    `check_item_kind` and the date rules; a removed id must be an item that counts in this year.
    Raises InvalidInput listing every problem, with paths like `values.tech_smes` or
    `add_platforms[0].level`.
    """
    problems: list[Problem] = []
    values: dict[str, Value] = dict(facts.values)
    for code, raw in changes.values.items():
        el = scheme.elements.get(code)
        if el is None:
            problems.append(Problem(f"values.{code}", f"unknown element in scheme {scheme.code}"))
        elif raw is None:
            values.pop(code, None)
        else:
            try:
                values[code] = el.parse(raw)
            except ValueError as exc:
                problems.append(Problem(f"values.{code}", str(exc)))
    items = list(facts.items)
    for list_name, registry in _REMOVED.items():
        ids: Sequence[object] = getattr(changes, list_name)
        known = {i.id for i in facts.items_of(registry)}
        for n, item_id in enumerate(ids):
            if isinstance(item_id, bool) or item_id not in known:
                problems.append(
                    Problem(
                        f"{list_name}[{n}]",
                        f"no {registry} with id {item_id!r} counts in this region's {facts.year} data",
                    )
                )
        gone = set(ids)
        items = [i for i in items if not (i.registry == registry and i.id in gone)]
    for list_name, (registry, start_field, end_field) in _ADDED.items():
        added: Sequence[Mapping[str, object]] = getattr(changes, list_name)
        for n, raw_item in enumerate(added):
            where = f"{list_name}[{n}]"
            item, item_problems = parse_item(
                scheme, registry, raw_item, start_field, end_field, f"simulated-{n}", id_field=False
            )
            problems += [Problem(f"{where}.{p.field}", p.reason) for p in item_problems]
            if item is not None:
                items.append(item)
    if problems:
        raise InvalidInput(problems)
    return Facts(facts.year, values, tuple(items))


def simulate(scheme: Scheme, facts: Facts, changes: Changes, region: str | None = None) -> Breakdown:
    """The breakdown `changes` would give (nothing is stored)."""
    return score(scheme, apply_changes(scheme, facts, changes), region)


def rescore(scheme: Scheme, facts: Facts, changes: Changes, region: str | None = None) -> Breakdown:
    """Re-score `changes` exactly as the simulate endpoint will receive them: through their JSON
    form, so a claim made from this result is reproduced by posting the changes."""
    sent = Changes.from_dict(json.loads(json.dumps(changes.to_dict())))
    return score(scheme, apply_changes(scheme, facts, sent), region, explain=False)


def changes_of(
    values: Mapping[str, Value], items: Sequence[NewItem], year: int, numbered_from: int = 0
) -> Changes:
    """A rule's proposal (element values, new registry items) as the changes the simulate endpoint
    takes: each new item dated Dec 31 of the year (so it counts in it), named "simulated <type> <n>"
    with n counting on from `numbered_from`."""
    added: dict[str, list[Mapping[str, object]]] = {name: [] for name in _ADDED}
    list_of = {registry: (name, start) for name, (registry, start, _) in _ADDED.items()}
    n = numbered_from
    for new in items:
        name, start = list_of[new.registry]
        for _ in range(new.quantity):
            added[name].append(
                {
                    "type": new.type,
                    "level": new.level,
                    "name": f"simulated {new.type} {n + 1}",
                    start: f"{year}-12-31",
                }
            )
            n += 1
    return Changes(dict(values), tuple(added["add_platforms"]), (), tuple(added["add_awards"]), ())
