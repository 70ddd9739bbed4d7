"""Data quality before publication: consistency rules, unit slips and outliers. Standard library only.

- **Consistency rules** are scheme data (`[[consistency]]` in a scheme file): `left operator right`
  over two elements of one region and year, with a severity (`error` refuses the write, `warning`
  is accepted and flagged) and a message in both languages.
- **Unit slips**: a value 5 or more times (or at most a fifth of) the region's previous year is
  flagged, naming the likely mix-up when the ratio sits near a known unit factor (元/万元, 人/万人,
  fraction/percent).
- **Outliers**: across the regions of one level in one year, the modified z-score of Iglewicz and
  Hoaglin on the log10 value, `z = 0.6745 (x - median) / MAD`; |z| > 3.5 is flagged.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from app.domain.problems import Problem

OPERATORS: dict[str, Callable[[Decimal, Decimal], bool]] = {
    "<=": operator.le,
    "<": operator.lt,
    ">=": operator.ge,
    ">": operator.gt,
    "==": operator.eq,
}
SEVERITIES = ("error", "warning")
#: element kinds a consistency rule, a unit slip or an outlier can be about
QUANTITY_KINDS = ("number", "count", "percent")

SLIP_RATIO = Decimal(5)
_SLIP_LOW = 1 / SLIP_RATIO  # 0.2, exact
OUTLIER_Z = 3.5
OUTLIER_MIN_REGIONS = 5
OUTLIER_METHOD = (
    "modified z-score (Iglewicz and Hoaglin) on log10 of the value across the regions of the same "
    "level in the year: z = 0.6745 * (x - median) / MAD; |z| > 3.5 is flagged; zero values are left "
    "out (no logarithm); at least 5 positive values are needed; when MAD is 0, 1.253314 * the mean "
    "absolute deviation takes the place of MAD / 0.6745"
)
SLIP_METHOD = (
    "the value against the same region's value of the previous year: a ratio of 5 or more, or of 1/5 "
    "or less, is a possible unit slip; a ratio within a factor of 3 of a known unit factor names the "
    "likely mix-up"
)


@dataclass(frozen=True)
class ConsistencyRule:
    code: str
    left: str
    operator: str
    right: str
    severity: str
    message_zh: str
    message_en: str

    def holds(self, left: Decimal, right: Decimal) -> bool:
        return OPERATORS[self.operator](left, right)

    @property
    def elements(self) -> tuple[str, str]:
        return self.left, self.right

    def text(self) -> str:
        return f"{self.left} {self.operator} {self.right}"

    def to_dict(self) -> dict[str, str]:
        return {
            "code": self.code,
            "left": self.left,
            "operator": self.operator,
            "right": self.right,
            "severity": self.severity,
            "message_zh": self.message_zh,
            "message_en": self.message_en,
        }


def parse_consistency(
    raw: object, element_kinds: Mapping[str, str]
) -> tuple[tuple[ConsistencyRule, ...], list[Problem]]:
    """The `consistency` list of a scheme definition, checked against its elements (code -> kind).

    Returns the rules and the problems found (unknown elements or operators, duplicate codes, a
    rule over a choice or flag element, missing messages)."""
    if raw is None:
        return (), []
    if not isinstance(raw, list):
        return (), [Problem("consistency", "must be a list of rules")]
    rules: list[ConsistencyRule] = []
    problems: list[Problem] = []
    seen: set[str] = set()
    for i, r in enumerate(raw):
        where = f"consistency[{i}]"
        if not isinstance(r, Mapping):
            problems.append(Problem(where, "must be a table"))
            continue
        before = len(problems)
        texts: dict[str, str] = {}
        for key in ("code", "left", "operator", "right", "severity", "message_zh", "message_en"):
            v = r.get(key)
            if not isinstance(v, str) or not v:
                problems.append(Problem(f"{where}.{key}", "must be a non-empty string"))
            texts[key] = v if isinstance(v, str) else ""
        if texts["code"] in seen:
            problems.append(Problem(f"{where}.code", f"duplicate rule code {texts['code']!r}"))
        seen.add(texts["code"])
        for side in ("left", "right"):
            el = texts[side]
            if el and el not in element_kinds:
                problems.append(Problem(f"{where}.{side}", f"unknown element {el!r}"))
            elif el and element_kinds[el] not in QUANTITY_KINDS:
                problems.append(
                    Problem(f"{where}.{side}", f"{el} is a {element_kinds[el]} element, not a quantity")
                )
        if texts["operator"] and texts["operator"] not in OPERATORS:
            problems.append(
                Problem(f"{where}.operator", f"unknown operator; expected one of {', '.join(OPERATORS)}")
            )
        if texts["severity"] and texts["severity"] not in SEVERITIES:
            problems.append(Problem(f"{where}.severity", "must be error or warning"))
        if len(problems) == before:
            rules.append(ConsistencyRule(**texts))
    return tuple(rules), problems


@dataclass(frozen=True)
class Breach:
    rule: ConsistencyRule
    left: Decimal
    right: Decimal


def breaches(rules: Sequence[ConsistencyRule], values: Mapping[str, Decimal]) -> list[Breach]:
    """The rules that `values` (element -> number of one region and year) break. A rule with a
    side not yet posted is not judged."""
    out = []
    for rule in rules:
        left, right = values.get(rule.left), values.get(rule.right)
        if left is not None and right is not None and not rule.holds(left, right):
            out.append(Breach(rule, left, right))
    return out


# ----------------------------------------------------------------------------------- unit slips

#: per element unit: (factor the value is off by, likely mix-up in English, in Chinese). A value
#: entered in 万人 where persons (人) are asked for is 1/10000 of the right one.
UNIT_MIXUPS: dict[str, tuple[tuple[Decimal, str, str], ...]] = {
    "人": (
        (
            Decimal("0.0001"),
            "entered in 万人 (ten thousands) instead of persons (人)",
            "疑按万人填报（应为人）",
        ),
    ),
    "万人": ((Decimal(10000), "entered in persons (人) instead of 万人", "疑按人填报（应为万人）"),),
    "万元": (
        (Decimal(10000), "entered in 元 instead of 万元", "疑按元填报（应为万元）"),
        (Decimal("0.0001"), "entered in 亿元 instead of 万元", "疑按亿元填报（应为万元）"),
    ),
    "元": ((Decimal("0.0001"), "entered in 万元 instead of 元", "疑按万元填报（应为元）"),),
    "%": (
        (Decimal("0.01"), "entered as a fraction instead of a percentage", "疑按小数填报（应为百分数）"),
        (Decimal(100), "entered in percent where a fraction is asked for", "疑按百分数填报（应为小数）"),
    ),
}
#: how close (as a factor) a ratio must be to a unit factor to name that mix-up
MIXUP_TOLERANCE = Decimal(3)


@dataclass(frozen=True)
class UnitSlip:
    ratio: Decimal
    previous: Decimal
    mixup_en: str | None
    mixup_zh: str | None
    #: the value as it would read in the right unit, when the mix-up is named
    corrected: Decimal | None

    def message_en(self, element: str, value: Decimal, unit: str) -> str:
        times = f"{_fmt(self.ratio)} times" if self.ratio >= 1 else f"1/{_fmt(1 / self.ratio)} of"
        text = (
            f"possible unit slip: {element} = {_fmt(value)} {unit} is {times} "
            f"the previous year's {_fmt(self.previous)} {unit}"
        )
        if self.mixup_en is not None and self.corrected is not None:
            text += f"; likely {self.mixup_en} (would be {_fmt(self.corrected)} {unit})"
        return text

    def message_zh(self, element: str, value: Decimal, unit: str) -> str:
        text = f"疑似单位错误：{element} = {_fmt(value)}{unit}，上年为{_fmt(self.previous)}{unit}，比值{_fmt(self.ratio)}"
        if self.mixup_zh is not None and self.corrected is not None:
            text += f"；{self.mixup_zh}（应约为{_fmt(self.corrected)}{unit}）"
        return text


def _fmt(d: Decimal) -> str:
    """A readable number: whole numbers exactly, others to at most 6 significant digits."""
    if d == d.to_integral_value():
        return f"{d.to_integral_value():f}"
    q = Decimal(f"{d:.6g}")
    text = f"{q:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def unit_slip(value: Decimal, previous: Decimal | None, unit: str) -> UnitSlip | None:
    """A possible unit slip of `value` against the previous year's, or None.

    Zero on either side gives no ratio and no flag."""
    if previous is None or previous <= 0 or value <= 0:
        return None
    ratio = value / previous
    if _SLIP_LOW < ratio < SLIP_RATIO:
        return None
    for factor, en, zh in UNIT_MIXUPS.get(unit, ()):
        if factor / MIXUP_TOLERANCE <= ratio <= factor * MIXUP_TOLERANCE:
            return UnitSlip(ratio, previous, en, zh, value / factor)
    return UnitSlip(ratio, previous, None, None, None)


# -------------------------------------------------------------------------------------- outliers


@dataclass(frozen=True)
class Outlier:
    z: float
    median: Decimal
    regions: int

    def message_en(self, element: str, value: Decimal, unit: str, level: str) -> str:
        return (
            f"outlier: {element} = {_fmt(value)} {unit} has a modified z-score of {self.z:.2f} on the log "
            f"value among {self.regions} {level}-level regions (median {_fmt(self.median)} {unit}; "
            f"flagged above |z| > {OUTLIER_Z})"
        )

    def message_zh(self, element: str, value: Decimal, unit: str, level: str) -> str:
        return (
            f"异常值：{element} = {_fmt(value)}{unit}，在同级{self.regions}个地区中对数值的修正Z分数为"
            f"{self.z:.2f}（中位数{_fmt(self.median)}{unit}，|z| > {OUTLIER_Z} 即标记）"
        )


@dataclass(frozen=True)
class CrossSection:
    """The log10 values of one element across the regions of one level: their median and the
    scale of the modified z-score."""

    median: float
    scale: float
    regions: int

    def z(self, value: float) -> float:
        return (math.log10(value) - self.median) / self.scale

    def bounds(self) -> tuple[float, float]:
        """The values whose |z| is exactly the threshold: outside them a value is an outlier."""
        return 10 ** (self.median - OUTLIER_Z * self.scale), 10 ** (self.median + OUTLIER_Z * self.scale)

    def outlier(self, value: float) -> Outlier:
        return Outlier(self.z(value), Decimal(f"{10**self.median:.6g}"), self.regions)


def cross_section(values: Iterable[float]) -> CrossSection | None:
    """The cross-section of these values (zeros left out: no logarithm), or None with fewer than
    OUTLIER_MIN_REGIONS positive values or all of them equal."""
    logs = [math.log10(v) for v in values if v > 0]
    n = len(logs)
    if n < OUTLIER_MIN_REGIONS:
        return None
    s = sorted(logs)
    med = s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2
    # the deviations of the sorted logs are a falling run then a rising one: sorting them is a
    # linear merge of two runs (Timsort finds them)
    dev = sorted([abs(x - med) for x in s])
    mad = dev[n // 2] if n % 2 else (dev[n // 2 - 1] + dev[n // 2]) / 2
    # MAD is 0 when more than half the values are equal; Iglewicz and Hoaglin then scale by the
    # mean absolute deviation (x 1.253314, its ratio to the standard deviation for normal data),
    # summed in the values' order
    scale = mad / 0.6745 if mad > 0 else 1.253314 * sum([abs(x - med) for x in logs]) / n
    return CrossSection(med, scale, n) if scale > 0 else None


def outliers(values: Mapping[Any, Decimal | float | str]) -> dict[Any, Outlier]:
    """The keys (regions) of `values` whose log10 value has |modified z| > 3.5 among the positive
    values. Fewer than OUTLIER_MIN_REGIONS positive values, or all of them equal, flag nothing."""
    numbers = {k: float(v) for k, v in values.items()}
    section = cross_section(numbers.values())
    if section is None:
        return {}
    out = {}
    for k, v in numbers.items():
        if v > 0 and abs(section.z(v)) > OUTLIER_Z:
            out[k] = section.outlier(v)
    return out
