"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import DateTime, Numeric, String
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

_ONE = Decimal(1)


def canonical(d: Decimal) -> Decimal:
    """A stored number as ExactDecimal reads it back: trailing zeros of the column's scale are not
    part of the value (10.5000000000 is 10.5, 3.0000000000 is 3)."""
    return d.quantize(_ONE) if d == d.to_integral_value() else d.normalize()


def stored_number(raw: Any) -> Decimal | None:
    """A number column as the driver returns it (text on SQLite, Decimal on PostgreSQL), canonical."""
    if raw is None:
        return None
    return canonical(raw if isinstance(raw, Decimal) else Decimal(raw))


class ExactDecimal(TypeDecorator[Decimal]):
    """NUMERIC on PostgreSQL; text on SQLite, which has no exact decimal storage."""

    impl = Numeric(30, 10)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(64))
        return dialect.type_descriptor(Numeric(30, 10))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        convert = self.bulk_bind_processor(dialect)
        return value if value is None or convert is None else convert(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        return stored_number(value)

    def bulk_bind_processor(self, dialect: Dialect) -> Any:
        """The conversion of a bound value that is not None, as one plain callable (text on SQLite),
        or None where the value goes as it is: `process_bind_param` applies it, and app.db.bulk
        calls it directly for many values at once."""
        return str if dialect.name == "sqlite" else None


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on both databases (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: use timezone-aware UTC")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)
