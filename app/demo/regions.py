"""The regions of the demo data: county-level rows of the reference divisions, and fake regions for
benchmarks whose codes are not GB/T 2260 codes."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

#: the fake province that `synthetic_regions` rows hang under
SYNTHETIC_PARENT_CODE = "990000"

REFERENCE_PACKAGE = "app.reference"
REFERENCE_FILE = "hebei.json"

#: A region row as POST /regions takes it and app/reference/hebei.json holds it:
#: {"code", "name_zh", "name_en", "level": "province" | "city" | "county", "parent_code"}.
RegionRow = dict[str, str | None]


@cache
def _reference_rows() -> tuple[tuple[tuple[str, str | None], ...], ...]:
    text = resources.files(REFERENCE_PACKAGE).joinpath(REFERENCE_FILE).read_text(encoding="utf-8")
    rows = json.loads(text)["regions"]
    return tuple(tuple((str(k), v) for k, v in row.items()) for row in rows)


def _reference() -> list[RegionRow]:
    return [dict(row) for row in _reference_rows()]


def demo_regions(parent: str = "130100") -> list[RegionRow]:
    """The county-level rows of app/reference/hebei.json under `parent` (a city code), in code order.

    Each row is {"code", "name_zh", "name_en", "level": "county", "parent_code"}; 130100 (石家庄市)
    has 22. An unknown parent gives an empty list.
    """
    rows = [r for r in _reference() if r["level"] == "county" and r["parent_code"] == parent]
    return sorted(rows, key=lambda r: str(r["code"]))


def synthetic_parent_rows() -> list[RegionRow]:
    """The fake parent region that `synthetic_regions` rows hang under; insert it first.

    One row: {"code": "990000", "name_zh": "演示省", "name_en": "Demo Province",
    "level": "province", "parent_code": None}.
    """
    return [
        {
            "code": SYNTHETIC_PARENT_CODE,
            "name_zh": "演示省",
            "name_en": "Demo Province",
            "level": "province",
            "parent_code": None,
        }
    ]


def synthetic_regions(n: int, seed: int = 1) -> list[RegionRow]:
    """`n` fake county rows for benchmarks (0 <= n <= 89,999), in code order.

    Row i (from 1) is {"code": "9" + i in 5 digits ("900001", ...), "name_zh": "演示县0001",
    "name_en": "Demo County 0001", "level": "county", "parent_code": "990000"}. The codes start with
    9, which no GB/T 2260 province code does, so they never clash with real regions; their parent
    is the fake province of `synthetic_parent_rows()`, which must be inserted first. The rows depend
    on `n` only: `seed` is accepted for symmetry with `generate` and does not change them, so a
    benchmark can always re-create the regions it loaded.
    """
    del seed  # the rows are a function of n, see the docstring
    if not 0 <= n <= 89_999:
        raise ValueError("n must lie between 0 and 89,999")
    return [
        {
            "code": f"9{i:05d}",
            "name_zh": f"演示县{i:04d}",
            "name_en": f"Demo County {i:04d}",
            "level": "county",
            "parent_code": SYNTHETIC_PARENT_CODE,
        }
        for i in range(1, n + 1)
    ]


@cache
def _reference_names() -> dict[str, str]:
    return {str(r["code"]): str(r["name_zh"]) for r in _reference()}


def region_name(code: str) -> str:
    name = _reference_names().get(code)
    if name is not None:
        return name
    if len(code) == 6 and code.startswith("9") and code[1:].isdigit():
        return f"演示县{int(code[1:]):04d}"
    return f"演示地区{code}"
