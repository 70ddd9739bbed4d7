"""A batch's rows are classified created / unchanged / updated against what is stored, and each
change leaves one audit event, in the rows' order: random batches mixing the three (and batches of
one kind only, which the import classifies in one pass) against a model of the stored values kept
here."""

from __future__ import annotations

import json
import random
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, text

from app.db.engine import session_scope, writer
from app.services.data import ValueRow, import_values
from tests.api.helpers import CHANGAN, QIAOXI, XINHUA, seed_period, seed_regions

KEYS = [
    (r, e)
    for r in (CHANGAN, QIAOXI, XINHUA)
    for e in ("tech_smes", "valid_invention_patents", "st_admin_body")
]
NUMBERS = (Decimal(1), Decimal(2), Decimal(30))
CHOICES = ("independent", "merged_office")
COMMENTS = (None, "", "复核")


def events(engine: Engine, after: int) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT id, action, entity_key, old, new FROM audit_event WHERE entity = 'data_value' AND id > :a ORDER BY id"
            ),
            {"a": after},
        ).all()
    return [(r[0], r[1], r[2], json.loads(r[3]) if r[3] else None, json.loads(r[4])) for r in rows]


def as_json(value: Any) -> Any:
    return int(value) if isinstance(value, Decimal) else value


@pytest.mark.parametrize("seed", range(3))
async def test_rows_are_classified_and_audited_in_order(
    api: httpx.AsyncClient, engine: Engine, seed: int
) -> None:
    await seed_regions(api)
    await seed_period(api, 2020)
    rnd = random.Random(seed)
    stored: dict[tuple[str, str], tuple[Any, str | None]] = {}
    last = 0
    for step in range(25):
        mode = rnd.choice(("mixed", "mixed", "new", "same"))
        keys = rnd.sample(KEYS, rnd.randint(1, len(KEYS)))
        if mode == "new":
            keys = [k for k in keys if k not in stored] or keys
        rows, expected, audit = [], [], []
        for region, element in keys:
            if mode == "same" and (region, element) in stored:
                value, comment = stored[(region, element)]
            else:
                value = rnd.choice(CHOICES if element == "st_admin_body" else NUMBERS)
                comment = rnd.choice(COMMENTS)
            rows.append(ValueRow(region, element, value, comment))
            old = stored.get((region, element))
            new = {"value": as_json(value), "comment": comment}
            key = f"2020/{region}/{element}"
            if old is None:
                expected.append("created")
                audit.append(("create", key, None, new))
            elif old == (value, comment):
                expected.append("unchanged")
            else:
                expected.append("updated")
                audit.append(("update", key, {"value": as_json(old[0]), "comment": old[1]}, new))
            stored[(region, element)] = (value, comment)
        with session_scope(writer(engine)) as s:
            result = import_values(s, 2020, rows)
        assert list(result.statuses) == expected, (seed, step)
        assert (result.created, result.updated, result.unchanged) == tuple(
            expected.count(k) for k in ("created", "updated", "unchanged")
        )
        found = events(engine, last)
        assert [e[1:] for e in found] == audit, (seed, step)
        last = found[-1][0] if found else last
