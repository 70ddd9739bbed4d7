"""A breakdown back from its JSON form (a published snapshot, a cached breakdown)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from app.domain.numbers import ZERO
from app.domain.scheme import Scheme, Tier
from app.domain.scoring import Breakdown, DimensionScore, IndicatorScore


def _dec(raw: object) -> Decimal:
    # a JSON number of a stored breakdown: at most 15 significant digits, so str() is exact
    assert isinstance(raw, int | float | Decimal) and not isinstance(raw, bool), raw
    return raw if isinstance(raw, Decimal) else Decimal(str(raw))


def breakdown_from_dict(data: Mapping[str, Any], scheme: Scheme | None = None) -> Breakdown:
    """A breakdown back from its JSON form (`Breakdown.to_dict`, e.g. a published snapshot).

    Scores and totals come back exact; a scored ratio comes back as displayed (4 decimals).
    The tier's threshold is taken from `scheme` when it knows the tier, else 0.
    """
    thresholds = {t.code: t.min_score for t in scheme.tiers} if scheme is not None else {}
    tier = Tier(data["tier"], data["tier_name_zh"], data["tier_name_en"], thresholds.get(data["tier"], ZERO))
    dims = []
    for d in data["dimensions"]:
        inds = []
        for i in d["indicators"]:
            value = i.get("value")
            inds.append(
                IndicatorScore(
                    i["code"],
                    i["name_zh"],
                    i["name_en"],
                    i.get("unit", ""),
                    _dec(i["score"]),
                    _dec(i["max"]),
                    _dec(value) if isinstance(value, int | float) and not isinstance(value, bool) else value,
                    tuple(i.get("missing_inputs", ())),
                    tuple(i.get("departments", ())),
                    dict(i.get("inputs", {})),
                    dict(i.get("explanation", {})),
                )
            )
        dims.append(
            DimensionScore(
                d["code"], d["name_zh"], d["name_en"], _dec(d["score"]), _dec(d["max"]), tuple(inds)
            )
        )
    return Breakdown(
        data["scheme"],
        str(data.get("scheme_version", "")),
        int(data["year"]),
        data.get("region"),
        _dec(data["total"]),
        _dec(data["max"]),
        tier,
        bool(data["complete"]),
        {k: tuple(v) for k, v in data.get("missing_by_department", {}).items()},
        tuple(dims),
    )
