"""The vocabulary of a scheme: data elements, their values, registries and how items count.

The lowest layer of the domain: it imports nothing of the domain but the numbers, so facts, rule
kinds and the scheme all build on it without importing each other in a circle.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from app.domain.numbers import ZERO, exact, plain

#: The value of one data element: a number, a choice code or a flag.
Value = Decimal | str | bool

#: Upper bound for numbers and counts; far above any real statistic, low enough to stay exact.
NUMBER_LIMIT = Decimal(10) ** 12


class ElementKind(StrEnum):
    NUMBER = "number"
    PERCENT = "percent"
    COUNT = "count"
    CHOICE = "choice"
    BOOLEAN = "boolean"
    ASSESSED = "assessed"


NUMERIC_KINDS = frozenset({ElementKind.NUMBER, ElementKind.PERCENT, ElementKind.COUNT, ElementKind.ASSESSED})


class RegistryCounting(StrEnum):
    #: an item counts while it is recognised at year end (platforms)
    STOCK = "stock"
    #: an item counts in the year of its date (awards)
    EVENT = "event"


#: the member as a module constant: reading an enum member off its class costs ~70 ns (Python 3.11),
#: and `counts_in_year` runs for every item of every region in a ranking
_EVENT = RegistryCounting.EVENT


@dataclass(frozen=True)
class Named:
    code: str
    name_zh: str
    name_en: str
    #: other labels people write for it (省 for 省级), accepted on input like the names
    aliases: tuple[str, ...] = field(default=(), kw_only=True)

    def labels(self) -> tuple[str, ...]:
        """Every text that stands for this code on input: the code, its names, its aliases."""
        return (self.code, self.name_zh, self.name_en, *self.aliases)


def resolve_code(options: Iterable[Named], raw: object) -> str | None:
    """The code `raw` stands for among `options`: a code, a Chinese or English name, or an alias
    (surrounding spaces ignored, English compared without case); None when it names none."""
    if not isinstance(raw, str):
        return None
    text = raw.strip()
    folded = text.casefold()
    found = None
    for o in options:
        if text == o.code:
            return o.code
        if found is None and (text == o.name_zh or text in o.aliases or folded == o.name_en.casefold()):
            found = o.code
    return found


def accepted(options: Iterable[Named]) -> str:
    """The codes with their Chinese labels and aliases, for a message that refuses a label:
    "national (国家级, 国家), provincial (省级, 省)"."""
    return ", ".join(f"{o.code} ({'、'.join(dict.fromkeys((o.name_zh, *o.aliases)))})" for o in options)


#: the levels of a region in the division tree (not of a scheme: every scheme shares them)
REGION_LEVELS: tuple[Named, ...] = (
    Named("province", "省级", "Province", aliases=("省",)),
    Named("city", "市级", "City", aliases=("市", "地级市")),
    Named("county", "县级", "County", aliases=("县", "区", "县（市、区）", "县级市")),
)

#: the region levels by code, for their names
REGION_LEVEL_BY_CODE: dict[str, Named] = {lv.code: lv for lv in REGION_LEVELS}


def region_level_zh(code: str) -> str:
    """省级, 市级, 县级; an unknown code as it is."""
    found = REGION_LEVEL_BY_CODE.get(code)
    return found.name_zh if found else code


@dataclass(frozen=True)
class Department(Named):
    pass


@dataclass(frozen=True)
class Level(Named):
    pass


@dataclass(frozen=True)
class Choice(Named):
    pass


@dataclass(frozen=True)
class Element(Named):
    """A raw input a department posts: one number, choice or flag per region and year."""

    unit: str
    kind: ElementKind
    department: str
    #: the unit in English ("10k yuan"); the Chinese one is `unit`
    unit_en: str = ""
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    choices: tuple[Choice, ...] = ()
    optional: bool = False
    #: set for elements that are the denominator of a ratio: zero is then invalid input
    denominator_of: tuple[str, ...] = ()
    #: the most a value plausibly changes in one year, relative (0.5: +/-50 %); None: not bounded
    #: (choices, flags, assessed scores). The scheme's [bounds] table sets it.
    max_yearly_change: Decimal | None = None

    @property
    def choice_codes(self) -> tuple[str, ...]:
        return tuple(c.code for c in self.choices)

    def parse(self, raw: object) -> Value:
        """Check one raw value (as decoded from JSON or read back from storage) for this element.

        Returns the value in canonical form (Decimal for numbers, str for choices, bool for flags);
        raises ValueError whose message is the reason, fit to show to the sender.
        """
        kind = self.kind
        if kind is _BOOLEAN_KIND:
            if not isinstance(raw, bool):
                raise ValueError("must be true or false")
            return raw
        if kind is _CHOICE_KIND:
            code = resolve_code(self.choices, raw)
            if code is None:
                if not isinstance(raw, str):
                    raise ValueError(f"must be one of {accepted(self.choices)}")
                raise ValueError(f"unknown choice {raw!r}; expected one of {accepted(self.choices)}")
            return code
        # a finite Decimal is read as it is (a bulk import sends them); anything else is converted
        number = raw if type(raw) is Decimal and raw.is_finite() else _to_decimal(raw)
        if number < ZERO:
            raise ValueError("must not be negative")
        if kind is _PERCENT_KIND and number > 100:
            raise ValueError("is a percentage and must not exceed 100")
        if kind is _COUNT_KIND and number != number.to_integral_value():
            raise ValueError("must be a whole number")
        if kind is _ASSESSED_KIND:
            lo = self.minimum if self.minimum is not None else ZERO
            hi = self.maximum if self.maximum is not None else NUMBER_LIMIT
            if not lo <= number <= hi:
                raise ValueError(f"is an assessed score and must lie between {lo} and {hi}")
        if number > NUMBER_LIMIT:
            raise ValueError(f"must not exceed {plain(NUMBER_LIMIT)}")
        number = exact(number, raw)  # -0 is 0, 1E+3 is 1000: stored and compared in one form
        if self.denominator_of and number == ZERO:
            raise ValueError(
                f"must be greater than 0: it is the denominator of {', '.join(self.denominator_of)}"
            )
        if kind is _COUNT_KIND:
            return number.quantize(_ONE)
        return number


#: the kinds as module constants: `ElementKind.COUNT` is a descriptor look-up on every use
_BOOLEAN_KIND, _CHOICE_KIND = ElementKind.BOOLEAN, ElementKind.CHOICE
_PERCENT_KIND, _COUNT_KIND, _ASSESSED_KIND = ElementKind.PERCENT, ElementKind.COUNT, ElementKind.ASSESSED
_ONE = Decimal(1)

_SEPARATORS = ",，、 '\u00a0\u202f"
_PERCENT = "%％"


def text_for_number(raw: str) -> str:
    """Why text sent where a number is expected is refused, and what to send instead."""
    text = raw.strip()
    digits = text.rstrip(_PERCENT).strip()
    if text and text[-1] in _PERCENT and _is_number(digits):
        return f"{raw!r} is text with a percent sign: send the number alone, e.g. {digits} for {digits} %"
    bare = digits.translate({ord(c): None for c in _SEPARATORS})
    if bare != digits and _is_number(bare):
        return f"{raw!r} is text with thousands separators: send the number without them, e.g. {bare}"
    if _is_number(text):
        return f"{raw!r} is text: send the number without quotes, e.g. {text}"
    return f"{raw!r} is not a number"


def _is_number(text: str) -> bool:
    # ASCII digits only: Decimal() would also read full-width digits
    if not text or not text.isascii():
        return False
    try:
        return Decimal(text).is_finite()
    except InvalidOperation:
        return False


def _to_decimal(raw: object) -> Decimal:
    # bool is an int in Python; a flag where a number is expected is a wrong type, not 0 or 1.
    if isinstance(raw, str):
        raise ValueError(text_for_number(raw))
    if isinstance(raw, bool) or not isinstance(raw, int | float | Decimal):
        raise ValueError("must be a number")
    if isinstance(raw, float):
        if not math.isfinite(raw):
            raise ValueError("must be a finite number")
        return Decimal(repr(raw))
    try:
        number = Decimal(raw)
    except InvalidOperation as exc:  # pragma: no cover - Decimal(int) never fails
        raise ValueError("must be a number") from exc
    if not number.is_finite():
        raise ValueError("must be a finite number")
    return number


@dataclass(frozen=True)
class RegistryType(Named):
    registry: str
    #: the most new items of this type (any level) plausible in one year; None: not bounded
    max_new_per_year: int | None = None


@dataclass(frozen=True)
class Registry(Named):
    counting: RegistryCounting
    types: tuple[RegistryType, ...]

    @property
    def type_codes(self) -> tuple[str, ...]:
        return tuple(t.code for t in self.types)


def counts_in_year(counting: RegistryCounting, start: date, end: date | None, year: int) -> bool:
    """Whether a registry item counts for data year `year`: the one rule of the domain.

    A stock item (a platform) counts when it was recognised by Dec 31 of the year and not revoked
    on or before that day (revoked on Dec 31: gone at year end; revoked on Jan 1 next year: still
    counted). An event item (an award) counts in the calendar year of its date. Comparing years is
    the same as comparing with Dec 31: a date after Dec 31 of Y is a date of a later year.
    """
    if counting is _EVENT:
        return start.year == year
    return start.year <= year and (end is None or end.year > year)
