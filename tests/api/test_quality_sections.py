"""The outlier check of a write judges the whole cross-section as stored, also when the numbers come
from what an earlier write kept (app/services/sections.py) instead of a fresh read: batches in
turn, a rolled-back write, values changed outside the service."""

from __future__ import annotations

import math
import statistics
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, text

from app.db import review
from app.db.engine import session_scope, writer
from app.services import sections
from app.services.data import ValueRow, import_values
from tests.api.review_helpers import SJZ_COUNTIES, seed_province

ELEMENT = "resident_population"


@pytest.fixture
async def keys(api: httpx.AsyncClient, engine: Engine) -> dict[str, dict[str, str]]:
    sections.clear()
    return await seed_province(api, engine)


def write(engine: Engine, values: dict[str, int]) -> list[dict[str, Any]]:
    """One batch, its own transaction; its warnings."""
    rows = [ValueRow(c, ELEMENT, v) for c, v in values.items()]
    with session_scope(writer(engine)) as s:
        return list(import_values(s, 2020, rows).warnings)


def outlier_flags(engine: Engine) -> list[tuple[str, str]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT region_code, status FROM quality_flag WHERE kind = 'outlier' ORDER BY id")
        ).all()
    return [(r[0], r[1]) for r in rows]


def modified_z(values: list[float], x: float) -> float:
    """Iglewicz and Hoaglin's modified z of log10(x) among log10(values), written out here."""
    logs = [math.log10(v) for v in values]
    med = statistics.median(logs)
    mad = statistics.median([abs(v - med) for v in logs])
    return 0.6745 * (math.log10(x) - med) / mad


async def test_batches_in_turn_judge_the_whole_cross_section(
    engine: Engine, keys: dict[str, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b, c, d, e, f = SJZ_COUNTIES
    assert write(engine, {a: 520000, b: 480000}) == []
    assert write(engine, {c: 610000, d: 450000, e: 700000}) == []
    # the next batch reads no cross-section: the numbers kept by the last commit are still whole
    reads: list[Any] = []
    real = review.numbers_at_levels
    monkeypatch.setattr(review, "numbers_at_levels", lambda *a: reads.append(a) or real(*a))
    (w,) = write(engine, {f: 50})
    assert reads == []
    assert (w["region"], w["kind"]) == (f, "outlier")
    people = [520000.0, 480000.0, 610000.0, 450000.0, 700000.0, 50.0]
    assert w["details"]["regions"] == 6
    # median of the logs: between 480000 and 520000, i.e. sqrt(480000 * 520000) = 499599.8...
    assert w["details"]["median"] == 499600
    assert w["details"]["z"] == pytest.approx(modified_z(people, 50), abs=0.001)
    assert outlier_flags(engine) == [(f, "open")]
    # a fix in a later batch judges the kept numbers with the fix in place: the flag closes
    assert write(engine, {f: 500000}) == []
    assert outlier_flags(engine) == [(f, "closed")]


async def test_a_rolled_back_write_leaves_nothing_in_the_next_judgement(
    engine: Engine, keys: dict[str, dict[str, str]]
) -> None:
    a, b, c, d, e, f = SJZ_COUNTIES
    write(engine, {a: 520000, b: 480000, c: 610000, d: 450000, e: 700000})

    class Abort(Exception):
        pass

    with pytest.raises(Abort), session_scope(writer(engine)) as s:
        # judged and flagged inside the transaction, then rolled back
        result = import_values(s, 2020, [ValueRow(a, ELEMENT, 5), ValueRow(f, ELEMENT, 50)])
        assert {w["region"] for w in result.warnings} == {a, f}
        raise Abort
    assert outlier_flags(engine) == []
    # had the rolled-back 5 and 50 been kept, the next batch would see them: it sees the stored values
    assert write(engine, {f: 490000}) == []
    assert outlier_flags(engine) == []
    with engine.connect() as conn:
        stored = conn.execute(
            text("SELECT value_number FROM data_value WHERE region_code = :r AND element = :e"),
            {"r": a, "e": ELEMENT},
        ).scalar_one()
    assert Decimal(str(stored)) == 520000


async def test_values_removed_outside_the_service_are_read_again(
    engine: Engine, keys: dict[str, dict[str, str]]
) -> None:
    a, b, c, d, e, f = SJZ_COUNTIES
    write(engine, {a: 520000, b: 480000, c: 610000, d: 450000, e: 700000})
    with engine.begin() as conn:  # no data_version bump: the count of the year's values differs
        conn.execute(text("DELETE FROM data_value WHERE region_code = :r"), {"r": e})
    (w,) = write(engine, {f: 50})
    people = [520000.0, 480000.0, 610000.0, 450000.0, 50.0]
    assert w["details"]["regions"] == 5
    assert w["details"]["z"] == pytest.approx(modified_z(people, 50), abs=0.001)


async def test_two_writes_in_one_transaction_leave_the_numbers_of_both(
    engine: Engine, keys: dict[str, dict[str, str]]
) -> None:
    a, b, c, d, e, f = SJZ_COUNTIES
    with session_scope(writer(engine)) as s:
        import_values(s, 2020, [ValueRow(x, ELEMENT, v) for x, v in ((a, 520000), (b, 480000), (c, 610000))])
        import_values(s, 2020, [ValueRow(x, ELEMENT, v) for x, v in ((d, 450000), (e, 700000))])
    # the next write judges the five values of both writes with its own
    (w,) = write(engine, {f: 50})
    assert (w["region"], w["details"]["regions"]) == (f, 6)
    people = [520000.0, 480000.0, 610000.0, 450000.0, 700000.0, 50.0]
    assert w["details"]["z"] == pytest.approx(modified_z(people, 50), abs=0.001)


async def test_a_flagged_changed_value_is_quoted_as_sent_beside_a_flagged_stored_one(
    engine: Engine, keys: dict[str, dict[str, str]]
) -> None:
    """A write that flags a region's changed value and, in another element's cross-section, the
    same region's unchanged stored value: the changed value's warning quotes the number sent (50),
    not the number it replaced (500000)."""
    a, b, c, d, e, f = SJZ_COUNTIES
    other = "registered_enterprises"
    people = {a: 520000, b: 480000, c: 610000, d: 450000, e: 700000, f: 500000}
    firms = {a: 21000, b: 19000, c: 25000, d: 18000, e: 30000, f: 20}
    rows = [ValueRow(r, ELEMENT, v) for r, v in people.items()] + [
        ValueRow(r, other, v) for r, v in firms.items()
    ]
    with session_scope(writer(engine)) as s:
        first = import_values(s, 2020, rows).warnings
    assert {(w["region"], w["element"]) for w in first} == {(f, other)}
    with session_scope(writer(engine)) as s:
        warnings = import_values(s, 2020, [ValueRow(f, ELEMENT, 50), ValueRow(a, other, 22000)]).warnings
    # the answer names the written rows' doubts; the stored 20 was judged again and stays flagged
    (w,) = [w for w in warnings if w["region"] == f]
    assert (w["element"], w["details"]["value"]) == (ELEMENT, 50)
    assert "50" in w["message_en"] and "500000" not in w["message_en"]
    with engine.connect() as conn:
        open_flags = (
            conn.execute(
                text(
                    "SELECT element FROM quality_flag WHERE region_code = :r AND status = 'open' ORDER BY element"
                ),
                {"r": f},
            )
            .scalars()
            .all()
        )
    assert list(open_flags) == [other, ELEMENT]
