"""What a county report and a round bulletin say, gathered through the score and analytics services.

Everything is read the way the API reads it (breakdowns and rankings through the `ScoreReader`, so a
published period answers from its snapshot), then shaped into plain values for the templates. The
only arithmetic done here is presentation: medians of dimension scores, score changes against last
year, shares of a maximum.
"""

from __future__ import annotations

import json
import statistics
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlmodel import Session

from app.db import repositories as repo
from app.db.tables import Region
from app.domain import Scheme
from app.services import analytics, robustness, schemes
from app.services.errors import NotFound
from app.services.periods import PUBLISHED, get_period
from app.services.regions import get_region
from app.services.scores import RankRow, ScoreReader

#: how many strengths and weaknesses a county report lists
TOP_N = 3
#: the bulletin's rank intervals: modest draws and a fixed seed keep it fast and reproducible
BULLETIN_DRAWS = 200
BULLETIN_SEED = 0
#: regions per rank-interval chart (one chart fits an A4 page)
INTERVALS_PER_CHART = 56


def _d(x: Any) -> Decimal:
    return x if isinstance(x, Decimal) else Decimal(str(x))


def median(values: Sequence[Decimal]) -> Decimal | None:
    """The median (the mean of the two middle values for an even count), None for no values."""
    return _d(statistics.median(values)) if values else None


def ancestors(session: Session, region: Region) -> list[Region]:
    """The region's ancestors, nearest first (at most 10 levels, against a cycle in bad data)."""
    out: list[Region] = []
    current = region
    while current.parent_code is not None and len(out) < 10:
        parent = repo.get_region(session, current.parent_code)
        if parent is None:
            break
        out.append(parent)
        current = parent
    return out


@dataclass(frozen=True)
class Versions:
    """The data versions a report depends on: its year's and the previous year's (0: no period)."""

    current: int
    previous: int


def versions(reader: ScoreReader, year: int) -> Versions:
    found = reader.probe(year)
    if found is None:
        raise NotFound("period", year)
    before = reader.probe(year - 1)
    return Versions(found[0], before[0] if before else 0)


def _breakdown(reader: ScoreReader, year: int, region: str) -> dict[str, Any] | None:
    try:
        data: dict[str, Any] = json.loads(reader.breakdown_json(year, region))
    except NotFound:
        return None
    return data


def _standing(rows: list[RankRow], code: str) -> dict[str, Any] | None:
    for r in rows:
        if r.region.code == code:
            return {"rank": r.rank, "of": len(rows)}
    return None


def _dimension_medians(rows: list[RankRow], codes: Sequence[str]) -> dict[str, Decimal | None]:
    return {c: median([r.dimensions[c] for r in rows if c in r.dimensions]) for c in codes}


def _scope(
    reader: ScoreReader, year: int, parent: Region | None, level: str, code: str, dims: Sequence[str]
) -> dict[str, Any] | None:
    if parent is None:
        return None
    _, rows, _ = reader.ranking(year, parent.code, level)
    return {
        "code": parent.code,
        "name_zh": parent.name_zh,
        "name_en": parent.name_en,
        "standing": _standing(rows, code),
        "medians": _dimension_medians(rows, dims),
        "median_total": median([r.total for r in rows]),
    }


def _change(now: Any, before: Any) -> Decimal | None:
    return None if before is None or now is None else _d(now) - _d(before)


def _period_info(session: Session, year: int) -> dict[str, Any]:
    period = get_period(session, year)
    return {
        "year": year,
        "round_label": period.round_label,
        "status": period.status,
        "published": period.status == PUBLISHED,
        "published_at": period.published_at,
        "scheme_code": period.scheme_code,
    }


def county_report(session: Session, reader: ScoreReader, year: int, code: str) -> dict[str, Any]:
    """Everything the county report of `code` for data year `year` shows."""
    period = _period_info(session, year)
    region = get_region(session, code)
    scheme = schemes.get_scheme(session, period["scheme_code"])
    data_version = versions(reader, year)
    b = _breakdown(reader, year, code)
    if b is None:
        raise NotFound("published score", f"of region {code} in period {year} (added after publication)")
    prev = _breakdown(reader, year - 1, code) if repo.get_period(session, year - 1) is not None else None
    prev_ind = {i["code"]: i for d in (prev or {}).get("dimensions", []) for i in d["indicators"]}
    prev_dim = {d["code"]: d for d in (prev or {}).get("dimensions", [])}
    up = ancestors(session, region)
    city = next((r for r in up if r.level == "city"), None)
    province = up[-1] if up else None
    dim_codes = [d["code"] for d in b["dimensions"]]
    city_scope = _scope(reader, year, city, region.level, code, dim_codes)
    province_scope = _scope(reader, year, province, region.level, code, dim_codes)

    indicators = []
    for d in b["dimensions"]:
        for i in d["indicators"]:
            before = prev_ind.get(i["code"])
            indicators.append(
                {
                    **i,
                    "dimension": d["code"],
                    "lost": _d(i["max"]) - _d(i["score"]),
                    "share": _d(i["score"]) / _d(i["max"]) if _d(i["max"]) else Decimal(0),
                    "change": _change(i["score"], before["score"] if before else None),
                    "departments": [_department(scheme, x) for x in i.get("departments", [])],
                    "choice": _choice(scheme, i.get("inputs", {}), i.get("value")),
                }
            )
    scored = [i for i in indicators if _d(i["max"]) > 0]
    strengths = sorted(scored, key=lambda i: (-i["share"], -_d(i["score"])))[:TOP_N]
    weaknesses = sorted((i for i in scored if i["lost"] > 0), key=lambda i: (-i["lost"], i["share"]))[:TOP_N]
    path = analytics.gaps(session, year, code)["to_next_tier"]
    missing = [
        {**_department(scheme, dept), "elements": [_element(scheme, e) for e in elements]}
        for dept, elements in sorted(b.get("missing_by_department", {}).items())
    ]
    return {
        "kind": "county",
        "period": period,
        "scheme": {"code": b["scheme"], "version": b.get("scheme_version"), "name_zh": scheme.name_zh},
        "region": {"code": code, "name_zh": region.name_zh, "name_en": region.name_en},
        "total": _d(b["total"]),
        "max": _d(b["max"]),
        "tier": {"code": b["tier"], "name_zh": b.get("tier_name_zh"), "name_en": b.get("tier_name_en")},
        "complete": b["complete"],
        "previous_total": _d(prev["total"]) if prev else None,
        "total_change": _change(b["total"], prev["total"] if prev else None),
        "previous_tier": prev["tier"] if prev else None,
        "city": city_scope,
        "province": province_scope,
        "dimensions": [
            {
                "code": d["code"],
                "name_zh": d["name_zh"],
                "name_en": d["name_en"],
                "score": _d(d["score"]),
                "max": _d(d["max"]),
                "change": _change(
                    d["score"], prev_dim[d["code"]]["score"] if d["code"] in prev_dim else None
                ),
                "city_median": city_scope["medians"][d["code"]] if city_scope else None,
                "province_median": province_scope["medians"][d["code"]] if province_scope else None,
            }
            for d in b["dimensions"]
        ],
        "indicators": indicators,
        "strengths": strengths,
        "weaknesses": weaknesses,
        "path": path,
        "missing": missing,
        "data_version": data_version.current,
    }


def _department(scheme: Scheme, code: str) -> dict[str, Any]:
    d = scheme.departments.get(code)
    return {"code": code, "name_zh": d.name_zh if d else code, "name_en": d.name_en if d else code}


def _choice(scheme: Scheme, inputs: dict[str, Any], value: Any) -> dict[str, Any] | None:
    """The names of a choice value (e.g. st_admin_body's `merged_office`: 合署办公), None otherwise."""
    if not isinstance(value, str):
        return None
    for element in inputs:
        e = scheme.elements.get(element)
        for c in e.choices if e else ():
            if c.code == value:
                return {"code": c.code, "name_zh": c.name_zh, "name_en": c.name_en}
    return None


def _element(scheme: Scheme, code: str) -> dict[str, Any]:
    e = scheme.elements.get(code)
    return {"code": code, "name_zh": e.name_zh if e else code, "name_en": e.name_en if e else code}


def bulletin(
    session: Session, reader: ScoreReader, year: int, parent: str | None, level: str = "county"
) -> dict[str, Any]:
    """Everything the round bulletin of `year` for the regions under `parent` shows."""
    period = _period_info(session, year)
    scope = get_region(session, parent) if parent is not None else None
    scheme = schemes.get_scheme(session, period["scheme_code"])
    data_version = versions(reader, year)
    summary = analytics.round_summary(session, reader, year, parent, level)
    ranked_by, rows, _ = reader.ranking(year, parent, level)
    previous_rows: list[RankRow] | None = None
    if repo.get_period(session, year - 1) is not None:
        _, previous_rows, _ = reader.ranking(year - 1, parent, level)
    before = {r.region.code: r for r in previous_rows or []}
    previous_tiers: dict[str, int] | None = None
    if previous_rows is not None:
        previous_tiers = {t.code: 0 for t in scheme.tiers}
        for r in previous_rows:
            previous_tiers[r.tier] = previous_tiers.get(r.tier, 0) + 1
    filled = analytics.completeness(session, year, parent, level)
    received = {i["region"]: (i["received"], i["expected"]) for i in filled["regions"]}
    dims = [{"code": d.code, "name_zh": d.name_zh, "name_en": d.name_en} for d in scheme.dimensions]
    dim_max = {d.code: d.weight for d in scheme.dimensions}
    counties = []
    for r in rows:
        p = before.get(r.region.code)
        got = received.get(r.region.code, (0, 0))
        counties.append(
            {
                "rank": r.rank,
                "code": r.region.code,
                "name_zh": r.region.name_zh,
                "name_en": r.region.name_en,
                "total": r.total,
                "tier": r.tier,
                "dimensions": [r.dimensions.get(code) for code in dim_max],
                "change": r.total - p.total if p is not None else None,
                "previous_rank": p.rank if p is not None else None,
                "complete": r.complete,
                "received": got[0],
                "expected": got[1],
            }
        )
    return {
        "kind": "bulletin",
        "period": period,
        "scheme": {"code": scheme.code, "version": scheme.version, "name_zh": scheme.name_zh},
        "scope": (
            {"code": scope.code, "name_zh": scope.name_zh, "name_en": scope.name_en}
            if scope is not None
            else None
        ),
        "level": level,
        "tiers": [
            {
                "code": t.code,
                "name_zh": t.name_zh,
                "name_en": t.name_en,
                "count": summary["tiers"].get(t.code, 0),
                "previous": previous_tiers.get(t.code, 0) if previous_tiers is not None else None,
            }
            for t in scheme.tiers
        ],
        "summary": summary,
        "dimensions": [{**d, "max": dim_max[d["code"]]} for d in dims],
        "counties": counties,
        "completeness": filled["totals"],
        "robustness": _robustness_of_version(
            data_version.current, session, year, parent, level, (ranked_by, rows)
        ),
        "data_version": data_version.current,
    }


#: the bulletin's robustness charts per (year, scope, data version): the draws are the costly part of a
#: bulletin, the same for its HTML and PDF, Chinese and English (a fixed seed on unchanged data)
_ROBUSTNESS: OrderedDict[tuple[Any, ...], dict[str, Any]] = OrderedDict()
_ROBUSTNESS_KEPT = 8
_ROBUSTNESS_LOCK = threading.Lock()


def _robustness_of_version(
    version: int,
    session: Session,
    year: int,
    parent: str | None,
    level: str,
    ranked: tuple[Scheme, list[RankRow]],
) -> dict[str, Any]:
    key = (year, parent, level, version)
    with _ROBUSTNESS_LOCK:
        hit = _ROBUSTNESS.get(key)
        if hit is not None:
            _ROBUSTNESS.move_to_end(key)
            return hit
    made = _robustness(session, year, parent, level, ranked)
    with _ROBUSTNESS_LOCK:
        _ROBUSTNESS[key] = made
        while len(_ROBUSTNESS) > _ROBUSTNESS_KEPT:
            _ROBUSTNESS.popitem(last=False)
    return made


def _robustness(
    session: Session, year: int, parent: str | None, level: str, ranked: tuple[Scheme, list[RankRow]]
) -> dict[str, Any]:
    """What the bulletin's robustness charts show: each region's rank interval over the draws
    (in rank order, in chunks of a page) and the Spearman matrix of the indicator scores."""
    uncertainty, corr = robustness.uncertainty_and_correlations(
        session, year, parent, level, draws=BULLETIN_DRAWS, seed=BULLETIN_SEED, ranked=ranked
    )
    scheme = ranked[0]
    a = uncertainty["assumptions"]
    items = uncertainty["items"]
    names = {i.code: i for i in scheme.indicators}
    flags = [f["flag"] for f in corr["flags"]]
    return {
        "regions": len(items),
        "draws": uncertainty["draws"],
        "seed": a["seed"],
        "w_lo": f"{1 - a['weight_noise']:g}",
        "w_hi": f"{1 + a['weight_noise']:g}",
        "k_lo": f"{1 - a['knot_noise']:g}",
        "k_hi": f"{1 + a['knot_noise']:g}",
        "a": f"{a['assessed_noise']:g}",
        "unstable": len(uncertainty["summary"]["unstable_regions"]),
        "chunks": [items[i : i + INTERVALS_PER_CHART] for i in range(0, len(items), INTERVALS_PER_CHART)],
        "indicators": [
            {"code": c, "name_zh": names[c].name_zh, "name_en": names[c].name_en} for c in corr["indicators"]
        ],
        "matrix": corr["matrix"],
        "collinear": flags.count("collinear_within_dimension"),
        "negative": flags.count("negative"),
    }


def generated_at() -> datetime:
    return datetime.now().astimezone()
