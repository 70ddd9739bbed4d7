"""The warnings of a value write are the live flags about its rows as the database holds them once
the flags are synced: check_write answers them from the read that the sync used (and the flags it
added) instead of reading them again. Random writes (outliers, unit slips against 2019, warning
rules, values fixed again) compare each answer, inside the write's transaction, with a fresh read
of the flags, filtered as the code before this change filtered its second read."""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from app.db import review
from app.db.engine import session_scope, writer
from app.services import schemes, sections
from app.services.data import ValueRow, import_values
from app.services.quality import flag_read
from tests.api.review_helpers import LUNAN, SJZ_COUNTIES, seed_province

REGIONS = (*SJZ_COUNTIES, LUNAN)
ELEMENTS = (
    "resident_population",
    "industrial_rd_expenditure",
    "industrial_revenue",
    "valid_invention_patents",
)
#: near one another, so that a far one stands out; zeros and the far ones as doubts
VALUES = (0, 1, 50, 400, 450, 480, 500, 520, 610, 700, 5000, 10**7)


def fresh_warnings(s: Any, year: int, rows: list[ValueRow]) -> list[dict[str, Any]]:
    """What check_write answered before: the live flags of the rows' regions read again after the
    sync, by id, about a written value (or a warning rule over one)."""
    scheme = schemes.get_scheme(s, "hebei-county-2019")
    rules = {r.code: r.elements for r in scheme.consistency}
    written = {(r.region, r.element) for r in rows}

    def about_written(region: str, element: str, kind: str, rule: str) -> bool:
        if kind == "consistency":
            return any((region, e) in written for e in rules.get(rule, (element,)))
        return (region, element) in written

    return [
        flag_read(f)
        for f in review.live_flags(s, year, {r.region for r in rows})
        if about_written(f.region_code, f.element, f.kind, f.rule)
    ]


@pytest.mark.parametrize("seed", range(4))
async def test_warnings_are_the_live_flags_read_after_the_sync(
    api: httpx.AsyncClient, engine: Engine, seed: int
) -> None:
    sections.clear()
    await seed_province(api, engine)
    with session_scope(writer(engine)) as s:
        elements = schemes.get_scheme(s, "hebei-county-2019").elements
    # zero only where it is valid (not for a ratio's denominator)
    choices = {e: [v for v in VALUES if v or not elements[e].denominator_of] for e in ELEMENTS}
    rnd = random.Random(seed)
    answered = 0
    for step in range(30):
        year = 2019 if step < 6 else rnd.choice((2019, 2020, 2020))
        regions = rnd.sample(REGIONS, rnd.randint(1, len(REGIONS)))
        rows = [
            ValueRow(region, element, Decimal(rnd.choice(choices[element])))
            for region in regions
            for element in rnd.sample(ELEMENTS, rnd.randint(1, len(ELEMENTS)))
        ]
        with session_scope(writer(engine)) as s:
            result = import_values(s, year, rows)
            assert list(result.warnings) == fresh_warnings(s, year, rows), (seed, step)
            answered += len(result.warnings)
    assert answered > 0  # the writes raised doubts to answer
