"""Rule kinds are plugins: found by the registry, named nowhere else; the two kinds added as one
file each (`step`, `banded_lower`) score, refuse bad specs by path and read gaps; a zero or absent
ratio denominator scores 0 and is reported, never raised."""

from __future__ import annotations

import ast
import copy
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from app.domain import Facts, SchemeInvalid, load_scheme, score
from app.domain.analysis import gaps, path_to_next_tier
from app.domain.loader import parse_toml
from app.domain.rules import RuleKind, rule_kinds
from app.domain.scheme import ElementKind
from tests.conftest import ROOT
from tests.unit.helpers import hebei

D = Decimal
APP = ROOT / "app"
STEPS_FILE = ROOT / "tests" / "schemes" / "test-county-steps.toml"


def steps_definition() -> dict[str, Any]:
    return parse_toml(STEPS_FILE.read_text(encoding="utf-8"))


STEPS = load_scheme(steps_definition())


def indicator(d: dict[str, Any], code: str) -> dict[str, Any]:
    return next(i for dim in d["dimensions"] for i in dim["indicators"] if i["code"] == code)


def refuse(d: dict[str, Any]) -> list[str]:
    with pytest.raises(SchemeInvalid) as info:
        load_scheme(d)
    return [str(p) for p in info.value.problems]


def one(scheme: Any, code: str, values: dict[str, Any]) -> Any:
    return next(i for i in score(scheme, Facts(2020, values)).indicators if i.code == code)


def test_the_registry_finds_every_kind_module() -> None:
    kinds = rule_kinds()
    modules = sorted(
        p.stem for p in (APP / "domain" / "rules").glob("*.py") if p.stem not in ("__init__", "base")
    )
    assert sorted(k.__module__.rsplit(".", 1)[1] for k in kinds.values()) == modules
    assert {"banded", "banded_lower", "step", "tally", "choice_flag", "assessed"} <= set(kinds)
    for code, cls in kinds.items():
        assert issubclass(cls, RuleKind) and cls.kind == code and cls.explanation_shape


def test_no_code_outside_the_rules_package_names_a_rule_kind() -> None:
    """Nothing branches on a kind: no string literal equal to a kind's code, no import of a kind
    module or class, outside app/domain/rules (the demo data generator included: it asks the
    rules what a choice scores)."""
    kinds = set(rule_kinds()) - set(ElementKind)  # "assessed" is an element kind too
    classes = {cls.__name__ for cls in rule_kinds().values()}
    for path in APP.rglob("*.py"):
        if (APP / "domain" / "rules") in path.parents:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        named = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)}
        assert not named & kinds, f"{path.relative_to(ROOT)} names rule kind(s) {named & kinds}"
        # nor a comparison of a `.kind` with any kind's code ("assessed" included)
        compared = {
            c.value
            for n in ast.walk(tree)
            if isinstance(n, ast.Compare)
            and any(isinstance(x, ast.Attribute) and x.attr == "kind" for x in [n.left, *n.comparators])
            for c in [n.left, *n.comparators]
            if isinstance(c, ast.Constant) and c.value in rule_kinds()
        }
        assert not compared, f"{path.relative_to(ROOT)} compares a kind with {compared}"
        imported = {
            n.module
            for n in ast.walk(tree)
            if isinstance(n, ast.ImportFrom)
            and n.module
            and n.module.startswith("app.domain.rules.")
            and n.module != "app.domain.rules.base"
        }
        assert not imported, f"{path.relative_to(ROOT)} imports {imported}"
        names = {
            a.name
            for n in ast.walk(tree)
            if isinstance(n, ast.ImportFrom) and (n.module or "").startswith("app.domain")
            for a in n.names
        }
        assert not names & classes, f"{path.relative_to(ROOT)} imports rule kind(s) {names & classes}"


def test_an_unknown_kind_lists_the_kinds_found() -> None:
    d = steps_definition()
    indicator(d, "rd_staff")["rule"]["kind"] = "bell_curve"
    (p,) = refuse(d)
    assert p.startswith(
        "dimensions[0].indicators[0].rule.kind: unknown rule kind 'bell_curve'; expected one of"
    )
    assert "step" in p and "banded_lower" in p


# ------------------------------------------------------------------------------------- step


@pytest.mark.parametrize(
    ("staff", "points"),
    [
        (0, 0),
        (9, 0),  # below 10: the first bracket, 0
        (10, 2),  # at a threshold: that bracket
        (49, 2),  # no interpolation toward the next bracket
        (50, 4),
        (99, 4),
        (100, 6),
        (5000, 6),
    ],
)
def test_step_scores_by_bracket(staff: int, points: int) -> None:
    assert one(STEPS, "rd_staff", {"rd_staff": D(staff)}).score == points


def test_step_refuses_a_bad_table_naming_each_place() -> None:
    d = steps_definition()
    indicator(d, "rd_staff")["rule"]["brackets"] = [[1, 0], [10, 2], [10, 1], [100, 5]]
    problems = refuse(d)
    where = "dimensions[0].indicators[0].rule.brackets"
    assert f"{where}[0]: the first bracket must start at 0" in problems
    assert f"{where}[2]: threshold 10 does not increase (after 10)" in problems
    assert f"{where}[2]: points 1 do not increase (after 2)" in problems
    assert f"{where}[3]: the last bracket's points 5 must equal the indicator's max 6" in problems
    indicator(d, "rd_staff")["rule"]["brackets"] = [[0, 0]]
    assert f"{where}: must be a list of at least two [threshold, points] pairs" in refuse(d)
    indicator(d, "rd_staff")["rule"]["brackets"] = [[0, 0], [10, "x"]]
    assert f"{where}[1]: must be a number" in refuse(d)


# ----------------------------------------------------------------------------- banded_lower


@pytest.mark.parametrize(
    ("energy", "points"),
    [
        ("0", "4"),  # no energy at all: the max
        ("1000", "4"),  # 0.1 is below the first knot (0.2): the max
        ("2000", "4"),  # at the first knot
        ("3500", "3"),  # 0.35: 4 + 0.15 x (2 - 4) / 0.3 = 3
        ("5000", "2"),  # at the second knot
        ("7500", "1"),  # 0.75: 2 + 0.25 x (0 - 2) / 0.5 = 1
        ("8000", "0.8"),  # 0.8: 2 - 0.3 x 4 = 0.8
        ("10000", "0"),  # at the last knot: 0
        ("20000", "0"),
    ],
)
def test_banded_lower_scores_fall_as_the_value_rises(energy: str, points: str) -> None:
    got = one(STEPS, "energy_intensity", {"energy_use": D(energy), "industrial_output": D(10000)})
    assert got.score == D(points)


def test_banded_lower_refuses_a_bad_table_naming_each_place() -> None:
    d = steps_definition()
    indicator(d, "energy_intensity")["rule"]["knots"] = [[D("0.2"), 3], [D("0.5"), 3], [D("0.4"), 1], [1, 1]]
    where = "dimensions[0].indicators[1].rule.knots"
    problems = refuse(d)
    assert f"{where}[0]: the first knot's score 3 must equal the indicator's max 4" in problems
    assert f"{where}[1]: score 3 does not decrease (after 3)" in problems
    assert f"{where}[2]: threshold 0.4 does not increase (after 0.5)" in problems
    assert f"{where}[3]: the last knot's score 1 must be 0" in problems


def test_banded_lower_gap_proposes_a_lower_input_and_the_path_lowers_it() -> None:
    values = {
        "rd_staff": D(100),
        "energy_use": D(9000),  # 0.9: 2 - 0.4 x 4 = 0.4 points
        "industrial_output": D(10000),
        "valid_patents": D(50),
        "st_admin_body": "independent",
        "st_leading_group": True,
        "management_score": D(5),
    }
    f = Facts(2020, values)
    # 6 + 0.4 + 0 + 6 + 5 + 5 = 22.4: tier B, 1.6 short of A (24)
    assert score(STEPS, f).total == D("22.4")
    g = {i.code: i for i in gaps(STEPS, f).indicators}["energy_intensity"]
    assert g.kind == "banded_lower" and g.detail["next_knot"] == {"threshold": D("0.5"), "score": D(2)}
    # next knot: 0.5 x 10000 = 5000 (2 points, +1.6); the max: 0.2 x 10000 = 2000 (4 points, +3.6)
    assert [(o.target, o.changes.values["energy_use"], o.indicator_gain) for o in g.options] == [
        ("max", D(2000), D("3.6")),
        ("next_knot", D(5000), D("1.6")),
    ]
    path = path_to_next_tier(STEPS, f)
    assert path.reachable and path.total >= 24
    # the path lowers energy use no further than needed: the greatest value in cents that still
    # reaches 24. 5012.50 -> 0.50125 -> 2 - 0.00125 x 4 = 1.995, rounded half-up 2.00: total 24.00;
    # 5012.51 -> 0.501251 -> 1.994996 -> 1.99: total 23.99
    assert path.changes.values == {"energy_use": D("5012.50")}
    assert path.total == 24 and path.reached_tier == "A"
    above = Facts(2020, {**values, "energy_use": D("5012.51")})
    assert score(STEPS, above).total == D("23.99")


# ---------------------------------------------------------------------- zero denominators


@pytest.mark.parametrize("denominator", [D(0), None])
def test_a_zero_or_absent_denominator_scores_zero_and_is_reported(denominator: Decimal | None) -> None:
    """Element.parse refuses a zero denominator on every write; facts that bypass it (stored before
    the rule, read back from elsewhere) must still score, not raise ZeroDivisionError."""
    scheme = hebei()
    values: dict[str, Any] = {"fiscal_st_expenditure": D(5000)}
    if denominator is not None:
        values["public_expenditure"] = denominator
    f = Facts(2020, values)
    b = score(scheme, f)
    share = next(i for i in b.indicators if i.code == "fiscal_st_share")
    assert share.score == 0 and share.value is None
    assert share.missing_inputs == ("public_expenditure",)
    assert "public_expenditure" in b.missing_by_department["finance"] and not b.complete
    expected: dict[str, Any] = {"kind": "banded", "lower": None, "upper": None}
    if denominator is not None:  # stored but unusable: the explanation says why
        expected["invalid_inputs"] = {
            "public_expenditure": "is 0: the ratio is undefined, so the indicator scores 0"
        }
    assert dict(share.explanation) == expected
    assert score(scheme, f, explain=False).total == b.total == D(4)  # 5000 -> 4 points
    g = {i.code: i for i in gaps(scheme, f).indicators}["fiscal_st_share"]
    assert (
        g.options == ()
        and g.note
        == "post local general public budget expenditure first: the ratio needs it as its denominator"
    )
    # the test scheme's lower-is-better ratio too
    steps = one(
        STEPS,
        "energy_intensity",
        {"energy_use": D(10), "industrial_output": denominator}
        if denominator is not None
        else {"energy_use": D(10)},
    )
    assert steps.score == 0 and steps.missing_inputs == ("industrial_output",)


def test_the_test_scheme_is_not_shipped() -> None:
    from app.domain import builtin_schemes

    assert "test-county-steps" not in builtin_schemes()
    assert Path(STEPS_FILE).exists() and STEPS.code == "test-county-steps"
    assert copy.deepcopy(STEPS.definition) == STEPS.definition


FLAT_KIND = '''
"""`flat`: a fixed number of points once the element is above 0 (a kind written for a test)."""

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from app.domain.numbers import ZERO
from app.domain.rules.base import RuleKind
from app.domain.sources import ElementSource


@dataclass(frozen=True)
class Flat(RuleKind):
    kind: ClassVar[str] = "flat"
    explanation_shape: ClassVar[dict] = {"reached": "whether the element is above 0"}
    source: ElementSource
    points: Decimal

    @classmethod
    def from_spec(cls, spec, source, ctx):
        src, points = ctx.source(source), ctx.number(spec.get("points"), "rule.points")
        if points is not None and points != ctx.max:
            ctx.problem("rule.points", "must equal the max")
            return None
        return cls(src, points) if src is not None and points is not None else None

    @property
    def elements(self):
        return self.source.elements

    def describe(self):
        return {"kind": self.kind, "points": self.points}

    def compile(self, max, registries):
        code, points = self.source.element, self.points

        def evaluate(facts):
            v = facts.values.get(code)
            if v is None:
                return ZERO, None, (code,), None
            return (points if v > 0 else ZERO), v, (), None

        return evaluate

    def explain(self, facts, value, note):
        return {"kind": self.kind, "reached": value is not None and value > 0}
'''


def test_a_new_kind_is_one_new_file_and_scheme_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Drop one module beside the kinds and a scheme may use it: loaded, scored, explained, gaps
    read (with the default: no proposal), nothing else changed."""
    import sys

    import app.domain.rules as rules_package

    (tmp_path / "flat.py").write_text(FLAT_KIND, encoding="utf-8")
    monkeypatch.setattr(rules_package, "__path__", [*rules_package.__path__, str(tmp_path)])
    rule_kinds.cache_clear()
    try:
        assert "flat" in rule_kinds()
        d = steps_definition()
        d["code"] = "test-flat"
        indicator(d, "patents")["rule"] = {"kind": "flat", "points": 6}
        scheme = load_scheme(d)
        f = Facts(2020, {"valid_patents": D(1)})
        got = next(i for i in score(scheme, f).indicators if i.code == "patents")
        assert (got.score, dict(got.explanation)) == (6, {"kind": "flat", "reached": True})
        assert score(scheme, Facts(2020, {"valid_patents": D(0)}), explain=False).total == 0
        g = {i.code: i for i in gaps(scheme, Facts(2020, {"valid_patents": D(0)})).indicators}["patents"]
        assert g.kind == "flat" and g.options == () and g.note == "the flat rule proposes no changes"
        indicator(d, "patents")["rule"] = {"kind": "flat", "points": 5}
        assert "dimensions[1].indicators[1].rule.points: must equal the max" in refuse(d)
    finally:
        monkeypatch.undo()
        rule_kinds.cache_clear()
        sys.modules.pop("app.domain.rules.flat", None)
    assert "flat" not in rule_kinds()
