"""Inputs expected, received and missing per region and department."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from app.domain.scheme import Scheme


def expected_inputs(scheme: Scheme) -> dict[str, tuple[str, ...]]:
    """Per department (scheme order), the elements it must post: every element it owns that is not
    optional. Registry items are not expected inputs: a region may rightly have none."""
    out: dict[str, tuple[str, ...]] = {}
    for dept in scheme.departments:
        out[dept] = tuple(c for c, el in scheme.elements.items() if el.department == dept and not el.optional)
    return out


@dataclass(frozen=True)
class DepartmentInputs:
    department: str
    expected: tuple[str, ...]
    received: tuple[str, ...]
    missing: tuple[str, ...]


def completeness(
    scheme: Scheme, received: Mapping[str, Collection[str]]
) -> dict[str, tuple[DepartmentInputs, ...]]:
    """Per region of `received` (region -> element codes stored for the year) and department:
    inputs expected, received and missing, in scheme order."""
    expected = expected_inputs(scheme)
    out: dict[str, tuple[DepartmentInputs, ...]] = {}
    for region, got in received.items():
        have = set(got)
        out[region] = tuple(
            DepartmentInputs(
                dept,
                codes,
                tuple(c for c in codes if c in have),
                tuple(c for c in codes if c not in have),
            )
            for dept, codes in expected.items()
        )
    return out
