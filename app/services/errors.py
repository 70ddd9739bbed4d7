"""Errors of the use cases. Like the domain's, they carry no HTTP status."""

from __future__ import annotations

from dataclasses import dataclass

from app.domain.problems import DomainError


class NotFound(DomainError):
    def __init__(self, kind: str, key: object) -> None:
        self.kind, self.key = kind, key
        super().__init__(f"{kind} {key} does not exist")


class Conflict(DomainError):
    def __init__(self, detail: str, existing: object | None = None) -> None:
        self.existing = existing
        super().__init__(detail)


@dataclass(frozen=True)
class RowProblem:
    index: int
    field: str
    reason: str
    received: object = None


class RowsInvalid(DomainError):
    """A batch with bad rows: every bad row is listed and nothing is written. `collection` is the
    body's list the rows came from (`values[3].value` names the field of row 3)."""

    collection: str | None = "values"

    def __init__(self, problems: list[RowProblem], rows: int, collection: str | None = "values") -> None:
        self.problems = problems
        self.collection = collection
        bad = len({p.index for p in problems})
        super().__init__(f"{bad} of {rows} rows are invalid; nothing was written")


class TooLarge(DomainError):
    def __init__(self, detail: str) -> None:
        super().__init__(detail)


class UnsupportedMediaType(DomainError):
    """An upload in a format that is not accepted (e.g. not XLSX or CSV)."""


class Unavailable(DomainError):
    """The database could not be reached."""


class Unauthenticated(DomainError):
    """No key, or a key that is unknown or revoked."""


class Forbidden(DomainError):
    """A valid key that may not do this; `problems` names the offending rows of a batch."""

    collection: str | None = "values"

    def __init__(self, detail: str, problems: list[RowProblem] | None = None) -> None:
        self.problems = problems or []
        super().__init__(detail)


class PeriodLocked(DomainError):
    def __init__(self, year: int) -> None:
        self.year = year
        super().__init__(
            f"period {year} is published and locked: its scores cannot change; "
            f"an admin can unlock it with POST /api/v1/periods/{year}/unlock"
        )


class PreconditionFailed(DomainError):
    """If-Match did not match the current version of the resource."""
