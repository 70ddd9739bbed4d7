"""The score decomposed onto the departments answerable for it (the seed's 数据来源)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from app.domain.numbers import SCORE_QUANTUM, ZERO
from app.domain.scoring import Breakdown

SPLIT_RULE = (
    "an indicator owned by several departments (its 数据来源 lists them) is split equally among "
    "them: points earned and points available are each divided in cents, every department gets "
    "the floor, and the remaining cents go one each to the departments in the order the scheme "
    "lists them for that indicator; lost = available - earned. So each indicator's parts add up "
    "to its score and max, and the departments add up to the total and the scheme's maximum."
)


def split_cents(amount: Decimal, parts: int) -> list[Decimal]:
    """`amount` (2 decimals, >= 0) in `parts` equal shares to the cent; the remainder cents go to
    the first shares. The shares add up exactly to `amount`."""
    cents = int((amount / SCORE_QUANTUM).to_integral_value(rounding=ROUND_FLOOR))
    assert cents * SCORE_QUANTUM == amount, f"{amount} is not in cents"
    base, rest = divmod(cents, parts)
    return [(base + (1 if i < rest else 0)) * SCORE_QUANTUM for i in range(parts)]


@dataclass(frozen=True)
class DepartmentShare:
    indicator: str
    owners: tuple[str, ...]
    score: Decimal
    max: Decimal
    earned: Decimal
    available: Decimal

    @property
    def lost(self) -> Decimal:
        return self.available - self.earned


@dataclass(frozen=True)
class DepartmentPart:
    code: str
    shares: tuple[DepartmentShare, ...]
    missing_inputs: tuple[str, ...]

    @property
    def earned(self) -> Decimal:
        return sum((s.earned for s in self.shares), ZERO)

    @property
    def available(self) -> Decimal:
        return sum((s.available for s in self.shares), ZERO)

    @property
    def lost(self) -> Decimal:
        return self.available - self.earned


def departments(b: Breakdown, order: Sequence[str] = ()) -> list[DepartmentPart]:
    """The breakdown decomposed onto departments (SPLIT_RULE). Departments come in `order` (the
    scheme's), then any other in order of appearance; each lists its missing inputs (the
    elements it posts that are missing, from `missing_by_department`)."""
    shares: dict[str, list[DepartmentShare]] = {d: [] for d in order}
    for ind in b.indicators:
        owners = ind.departments or ("unassigned",)
        earned = split_cents(ind.score, len(owners))
        available = split_cents(ind.max, len(owners))
        for k, dept in enumerate(owners):
            shares.setdefault(dept, []).append(
                DepartmentShare(ind.code, tuple(owners), ind.score, ind.max, earned[k], available[k])
            )
    for dept in b.missing_by_department:
        shares.setdefault(dept, [])
    return [DepartmentPart(d, tuple(s), tuple(b.missing_by_department.get(d, ()))) for d, s in shares.items()]
