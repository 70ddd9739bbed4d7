"""The bulk write's conversion of an exact number (ExactDecimal.bulk_bind_processor, called
directly) is what SQLAlchemy's whole bind processing of the column makes of it (the decorator and
its dialect's implementation type, which could add a conversion of its own), on SQLite and on
PostgreSQL, for random values; and what it is by hand."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.dialects import postgresql, sqlite

from app.db.bulk import _bind_processor
from app.db.types import ExactDecimal

DIALECTS = (sqlite.dialect(), postgresql.psycopg.dialect())  # type: ignore[attr-defined]


@settings(max_examples=500, deadline=None)
@given(st.decimals(allow_nan=False, allow_infinity=False, places=None))
def test_bulk_conversion_is_the_types_own(value: Decimal) -> None:
    column_type = ExactDecimal()
    for dialect in DIALECTS:
        own = column_type._cached_bind_processor(dialect)
        bulk = _bind_processor(column_type, dialect)
        expected = own(value) if own else value
        got = bulk(value) if bulk else value
        assert type(got) is type(expected) and got == expected, dialect.name
        if isinstance(expected, Decimal):
            assert str(got) == str(expected)


def test_bulk_conversion_by_hand() -> None:
    assert _bind_processor(ExactDecimal(), sqlite.dialect())(Decimal("12.50")) == "12.50"
    assert _bind_processor(ExactDecimal(), postgresql.psycopg.dialect()) is None  # type: ignore[attr-defined]
