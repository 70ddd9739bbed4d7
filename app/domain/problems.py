"""Domain errors. They carry no HTTP status: the API maps them in one table."""

from __future__ import annotations

from dataclasses import dataclass

#: the reason given when a region code arrives as a JSON number (130102 rather than "130102")
REGION_AS_TEXT = 'must be a 6-digit GB/T 2260 division code written as a string, e.g. "130102"'


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where (a dotted path), why, and the value as received."""

    field: str
    reason: str
    received: object = None

    def __str__(self) -> str:
        return f"{self.field}: {self.reason}"


class DomainError(Exception):
    """Base of every error the domain raises on purpose."""


class InvalidInput(DomainError):
    """Input that cannot be scored; lists every problem found, not only the first."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


class SchemeInvalid(DomainError):
    """A scheme definition that breaks the scheme rules; lists every place at fault."""

    def __init__(self, code: str, problems: list[Problem]) -> None:
        self.code = code
        self.problems = problems
        super().__init__(f"scheme {code!r} is invalid: " + "; ".join(str(p) for p in problems))


class SchemeNotFound(DomainError):
    def __init__(self, code: str) -> None:
        self.code = code
        super().__init__(f"unknown scheme {code!r}")
