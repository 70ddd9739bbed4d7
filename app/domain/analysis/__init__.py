"""Analytics over breakdowns: what the people who act on a score need besides the score.

One module per job:
- `summary`: a round in the form the province publishes it (tiers, means, the A list, tier and
  rank changes against the previous year);
- `trend`: a change of total between two years split exactly over the indicators, and, when the
  two years use different schemes, into a scheme effect and a data effect;
- `simulate`: a what-if, validated like a real write;
- `gaps`: where each indicator loses points and the input changes that win them back (each rule
  kind proposes them, the analytics re-score every one);
- `next_tier`: a concrete path to the next tier, built from the rule kinds' moves, re-scored;
- `departments`: the score decomposed onto the departments answerable for it;
- `completeness`: inputs expected, received and missing per region and department;
- `breakdowns`: a breakdown back from its JSON form.

Standard library only; every number is a Decimal and every decomposition adds up to the cent.
"""

from app.domain.analysis.breakdowns import breakdown_from_dict
from app.domain.analysis.completeness import DepartmentInputs, completeness, expected_inputs
from app.domain.analysis.departments import (
    SPLIT_RULE,
    DepartmentPart,
    DepartmentShare,
    departments,
    split_cents,
)
from app.domain.analysis.gaps import Gaps, IndicatorGap, Option, gaps
from app.domain.analysis.next_tier import PATH_METHOD, PathToTier, Step, path_to_next_tier
from app.domain.analysis.simulate import Changes, apply_changes, rescore, simulate
from app.domain.analysis.summary import (
    RANK_BUCKETS,
    Aggregate,
    Place,
    RoundSummary,
    Standing,
    aggregate,
    competition_ranks,
    mean,
    median,
    round_summary,
    standing,
)
from app.domain.analysis.trend import (
    Attribution,
    Effect,
    attribute,
    carry_facts,
    indicator_changes,
    same_scheme,
)
from app.domain.numbers import json_object, to_json

__all__ = [
    "PATH_METHOD",
    "RANK_BUCKETS",
    "SPLIT_RULE",
    "Aggregate",
    "Attribution",
    "Changes",
    "DepartmentInputs",
    "DepartmentPart",
    "DepartmentShare",
    "Effect",
    "Gaps",
    "IndicatorGap",
    "Option",
    "PathToTier",
    "Place",
    "RoundSummary",
    "Standing",
    "Step",
    "aggregate",
    "apply_changes",
    "attribute",
    "breakdown_from_dict",
    "carry_facts",
    "competition_ranks",
    "completeness",
    "departments",
    "expected_inputs",
    "gaps",
    "indicator_changes",
    "json_object",
    "mean",
    "median",
    "path_to_next_tier",
    "rescore",
    "round_summary",
    "same_scheme",
    "simulate",
    "split_cents",
    "standing",
    "to_json",
]
