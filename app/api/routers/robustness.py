"""How much a rank or a tier depends on the scheme's choices: uncertainty, sensitivity and the
statistics of the indicator scores. Registered before the scores router: `/scores/{year}/robustness`
must not be read as the breakdown of a region called "robustness"."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, BeforeValidator

from app.api.deps import DbDep, RegionCode, Year
from app.api.exports import EXPORT_CONTENT, FormatQuery, exported
from app.api.problems import responses
from app.api.robustness_schemas import RobustnessRead, SensitivityRead, StatisticsRead
from app.api.schemas import Level
from app.services import robustness
from app.services.robustness import LIMITS
from app.spreadsheets import tables

router = APIRouter(prefix="/scores", tags=["robustness"])


def _checked(name: str) -> BeforeValidator:
    """Checks a query parameter against LIMITS; the error names the value and the allowed range."""
    return BeforeValidator(lambda raw: robustness.check(name, raw))


def _query(name: str, description: str) -> Any:
    _, lo, hi, _ = LIMITS[name]
    return Query(ge=lo, le=hi, description=f"{description} ({lo:g} to {hi:g})")


Draws = Annotated[int, _checked("draws"), _query("draws", "draws of the assumptions")]
Seed = Annotated[
    int,
    _checked("seed"),
    _query("seed", "seed of the random streams; the same seed gives the same answer, byte for byte"),
]
WeightNoise = Annotated[
    float,
    _checked("weight_noise"),
    _query("weight_noise", "w: indicator maxima times U[1-w, 1+w]; 0 switches it off"),
]
KnotNoise = Annotated[
    float,
    _checked("knot_noise"),
    _query("knot_noise", "k: band thresholds times U[1-k, 1+k]; 0 switches it off"),
]
AssessedNoise = Annotated[
    float,
    _checked("assessed_noise"),
    _query("assessed_noise", "a: assessed points plus U[-a, +a]; 0 switches it off"),
]
BaseSamples = Annotated[int, _checked("n"), _query("n", "base samples of the Saltelli design")]
Parent = Annotated[
    RegionCode | None, Query(description="the regions below this one (all levels down), as the ranking")
]
LevelQuery = Annotated[Level | None, Query(description="regions of this level")]

_DEFAULT = {k: v[3] for k, v in LIMITS.items()}

# The query parameters of the three routes, each declared once. A route takes one model as
# `Annotated[Model, Query()]`; FastAPI reads its fields as separate query parameters, in the order
# of the class's bases from BaseModel down (the OpenAPI lists them so: scope, then the route's own
# size, then the seed and the noises), and RejectUnknownQuery accepts exactly those fields.


class ScopeQuery(BaseModel):
    """The regions an analysis covers, as the ranking takes them (all three routes)."""

    parent: Parent = None
    level: LevelQuery = "county"


class _DrawsQuery(ScopeQuery):
    draws: Draws = int(_DEFAULT["draws"])


class _BaseSamplesQuery(ScopeQuery):
    n: BaseSamples = int(_DEFAULT["n"])


class _AssumptionsQuery(BaseModel):
    """The seed and the noises of the scheme's judgement calls (robustness and sensitivity)."""

    seed: Seed = int(_DEFAULT["seed"])
    weight_noise: WeightNoise = _DEFAULT["weight_noise"]
    knot_noise: KnotNoise = _DEFAULT["knot_noise"]
    assessed_noise: AssessedNoise = _DEFAULT["assessed_noise"]

    def noise(self) -> Any:
        # the model (numpy) is imported by the first request that draws, not at start-up
        from app.robustness.model import Noise

        return Noise(self.weight_noise, self.knot_noise, self.assessed_noise)


class RobustnessQuery(_AssumptionsQuery, _DrawsQuery):
    """parent, level, draws, seed, weight_noise, knot_noise, assessed_noise"""


class SensitivityQuery(_AssumptionsQuery, _BaseSamplesQuery):
    """parent, level, n, seed, weight_noise, knot_noise, assessed_noise"""


@router.get(
    "/{year}/robustness",
    response_model=RobustnessRead,
    responses={**EXPORT_CONTENT, **responses(404, 422)},
)
def get_robustness(
    year: Year,
    db: DbDep,
    request: Request,
    q: Annotated[RobustnessQuery, Query()],
    fmt: FormatQuery = None,
) -> Any:
    """Monte Carlo uncertainty of each region's rank and tier under draws of the scheme's
    judgement calls (weights, band edges, assessed points); the nominal ranking is the exact one
    `GET /scores/{year}` serves, and the draws are computed from the year's stored facts. A scope
    without regions gives an empty answer (`regions: 0`, no items). As XLSX: sheets of the
    regions, the summary and the assumptions."""
    with db.read() as session:
        body = robustness.robustness(
            session, year, q.parent, q.level, draws=q.draws, seed=q.seed, noise=q.noise()
        )
    return exported(request, fmt, body, tables.robustness, "排名稳健性", "robustness")


@router.get(
    "/{year}/sensitivity",
    response_model=SensitivityRead,
    responses={**EXPORT_CONTENT, **responses(404, 422)},
)
def get_sensitivity(
    year: Year,
    db: DbDep,
    request: Request,
    q: Annotated[SensitivityQuery, Query()],
    fmt: FormatQuery = None,
) -> Any:
    """First-order and total Sobol indices of the mean absolute rank shift for each assumption
    group (Saltelli design, SALib's estimators, bootstrap 5-95 % intervals), and the rank impact
    of leaving out each indicator. As XLSX: sheets of the indices, leave-one-out, notes and the
    assumptions."""
    with db.read() as session:
        body = robustness.sensitivity_analysis(
            session, year, q.parent, q.level, n=q.n, seed=q.seed, noise=q.noise()
        )
    return exported(request, fmt, body, tables.sensitivity, "敏感性分析", "sensitivity")


@router.get(
    "/{year}/statistics",
    response_model=StatisticsRead,
    responses={**EXPORT_CONTENT, **responses(404, 422)},
)
def get_statistics(
    year: Year,
    db: DbDep,
    request: Request,
    q: Annotated[ScopeQuery, Query()],
    fmt: FormatQuery = None,
) -> Any:
    """Per indicator: availability, moments with COINr's skew and kurtosis flags, ceiling and
    floor shares; Spearman correlations with p-values and flags; Cronbach's alpha per dimension;
    effective weights. As XLSX: one sheet per table (the correlation matrix and its p-values as
    squares)."""
    with db.read() as session:
        body = robustness.statistics(session, year, q.parent, q.level)
    return exported(request, fmt, body, tables.statistics, "指标统计", "statistics")
