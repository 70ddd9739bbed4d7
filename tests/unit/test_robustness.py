"""Known answers of the robustness analysis: Sobol indices of the Ishigami function, Cronbach's
alpha, Spearman's rho and effective weights on hand-computed cases, the model against the exact
engine, the zero-noise collapse, seed determinism and the sampling semantics."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

import numpy as np
import pytest

from app.demo.dataset import generate
from app.domain import Facts, RegistryItem, builtin_scheme, score
from app.robustness import model
from app.robustness.extract import extract
from app.robustness.model import Noise
from app.robustness.sensitivity import sobol_indices
from app.robustness.statistics import cronbach_alpha, effective_weights, moments, spearman
from app.services.robustness import check

SCHEME = builtin_scheme("hebei-county-2019")
CODES = [f"99{i:04d}" for i in range(1, 41)]


@pytest.fixture(scope="module")
def demo() -> tuple[model.ModelInputs, np.ndarray]:
    """40 synthetic regions' 2022 facts, with exact totals from the domain engine."""
    data = generate(CODES, [2022], seed=7)
    facts = {c: data.facts(c, 2022) for c in CODES}
    inputs = extract(SCHEME, facts, CODES)
    totals = np.array([float(score(SCHEME, facts[c], c).total) for c in CODES])
    return inputs, totals


# ---------------------------------------------------------------- Sobol indices: Ishigami


def test_sobol_indices_of_the_ishigami_function_match_the_analytic_values() -> None:
    a, b = 7.0, 0.1
    # Ishigami & Homma (1990); Sobol' & Levitan (1999): with X_i ~ U[-pi, pi]
    v1 = 0.5 * (1 + b * math.pi**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = 8 * b**2 * math.pi**8 / 225
    v = v1 + v2 + v13
    expected_first = {"x1": v1 / v, "x2": v2 / v, "x3": 0.0}
    expected_total = {"x1": (v1 + v13) / v, "x2": v2 / v, "x3": v13 / v}
    assert expected_first["x1"] == pytest.approx(0.3139, abs=1e-4)
    assert expected_total["x3"] == pytest.approx(0.2437, abs=1e-4)

    def ishigami(blocks: dict[str, np.ndarray], rows: int) -> np.ndarray:
        x1, x2, x3 = (-math.pi + 2 * math.pi * blocks[k][:, 0] for k in ("x1", "x2", "x3"))
        return np.sin(x1) + a * np.sin(x2) ** 2 + b * x3**4 * np.sin(x1)

    result = sobol_indices({"x1": (1,), "x2": (1,), "x3": (1,)}, ishigami, 2**13, seed=3, resamples=200)
    for g in result:
        assert g.first_order == pytest.approx(expected_first[g.group], abs=0.03), g
        assert g.total == pytest.approx(expected_total[g.group], abs=0.03), g
        assert g.first_order_interval is not None and g.total_interval is not None
        assert g.first_order_interval[0] < g.first_order_interval[1]
        assert g.total_interval[0] <= g.total <= g.total_interval[1]


def test_sobol_indices_of_a_constant_output_are_none() -> None:
    result = sobol_indices({"x": (2,)}, lambda blocks, rows: np.ones(rows), 16, seed=1)
    assert [(g.group, g.first_order, g.total) for g in result] == [("x", None, None)]


# ---------------------------------------------------------------- statistics on hand-computed cases


def test_cronbach_alpha_of_a_hand_computed_case() -> None:
    items = np.array([[1, 2], [2, 3], [3, 3], [4, 5]], dtype=float)
    # item variances (n - 1): 5/3 and 4.75/3; row sums 3, 5, 6, 9 have variance 18.75/3 = 6.25
    # alpha = 2/1 x (1 - (5/3 + 4.75/3) / 6.25) = 2 x (1 - 3.25/6.25) = 0.96
    assert cronbach_alpha(items) == pytest.approx(0.96, abs=1e-12)
    assert cronbach_alpha(items[:, :1]) is None  # one item: undefined
    assert cronbach_alpha(np.zeros((4, 3))) is None  # no variation


def test_spearman_rho_and_p_value_of_hand_computed_cases() -> None:
    # x = 1,2,3,4 and y = 1,3,2,4: d = 0,1,1,0, rho = 1 - 6 x 2 / (4 x 15) = 0.8;
    # t = 0.8 sqrt(2 / 0.36), t^2 = 32/9; the t distribution with 2 degrees of freedom has
    # P(|T| > t) = 1 - t / sqrt(2 + t^2) = 1 - sqrt(32/50) = 0.2
    rho, p = spearman(np.array([[1, 1], [2, 3], [3, 2], [4, 4]], dtype=float))
    assert rho[0, 1] == pytest.approx(0.8, abs=1e-12)
    assert p[0, 1] == pytest.approx(0.2, abs=1e-12)
    # ties take average ranks: x = 1, 2.5, 2.5, 4 against 1..4: rho = 4.5 / sqrt(4.5 x 5)
    rho, _ = spearman(np.array([[1, 1], [2, 2], [2, 3], [3, 4]], dtype=float))
    assert rho[0, 1] == pytest.approx(4.5 / math.sqrt(22.5), abs=1e-12)
    # a constant column has no correlation
    rho, p = spearman(np.array([[1, 5], [2, 5], [3, 5]], dtype=float))
    assert math.isnan(rho[0, 1]) and math.isnan(p[0, 1])


def test_effective_weights_of_a_hand_computed_case() -> None:
    # a = 1,2,3,4 and b = 1,0,1,0: total 2,2,4,4 (variance 4/3); cov(a, total) = 4/3 and
    # cov(b, total) = 0, so the effective weights are 1 and 0
    w = effective_weights(np.array([[1, 1], [2, 0], [3, 1], [4, 0]], dtype=float))
    assert w == pytest.approx([1.0, 0.0], abs=1e-12)


def test_moments_and_coinr_flags_of_an_outlier() -> None:
    m = moments(np.array([0.0] * 19 + [10.0]))
    # one value of 10 among 19 zeros: mean 0.5, sample sd sqrt(20 x 0.5^2 x 19 / 19) ... hand: sum of
    # squared deviations = 19 x 0.25 + 9.5^2 = 95, sd = sqrt(95 / 19) = sqrt(5)
    assert m.mean == pytest.approx(0.5) and m.sd == pytest.approx(math.sqrt(5))
    assert m.skew is not None and m.skew > 2 and m.kurtosis is not None and m.kurtosis > 3.5
    assert moments(np.array([3.0, 3.0, 3.0, 3.0])).skew is None


# ---------------------------------------------------------------- the model against the engine


def test_the_model_reproduces_the_exact_indicator_scores(demo: tuple[model.ModelInputs, np.ndarray]) -> None:
    inputs, _ = demo
    # the exact engine rounds each indicator half-up to the cent; the float model does not round
    assert np.abs(model.nominal_points(inputs) - inputs.scores).max() <= 0.005 + 1e-9
    assert inputs.banded and any(c.has_assessed for c in inputs.capped)


def test_with_every_noise_zero_every_interval_collapses_to_the_nominal_rank(
    demo: tuple[model.ModelInputs, np.ndarray],
) -> None:
    inputs, totals = demo
    u = model.uncertainty(inputs, totals, Noise(0, 0, 0), draws=50, seed=1)
    for p in (5, 50, 95):
        assert (u.rank_quantile(p) == u.nominal_ranks).all()
    assert (u.tier_counts[np.arange(len(CODES)), u.nominal_tiers] == 50).all()
    assert (u.abs_shift == 0).all()


def test_nominal_ranks_are_competition_ranks_of_the_exact_totals(
    demo: tuple[model.ModelInputs, np.ndarray],
) -> None:
    _, totals = demo
    # an independent ranking: 1 + how many totals are strictly higher
    expected = [1 + sum(t > x for t in totals) for x in totals]
    assert list(model.competition_ranks(totals[None, :])[0]) == expected
    tied = np.array([[50.0, 70.0, 50.0, 90.0, 70.0]])
    assert list(model.competition_ranks(tied)[0]) == [4, 2, 4, 1, 2]


def test_the_same_seed_gives_the_same_draws_and_batches_do_not_matter(
    demo: tuple[model.ModelInputs, np.ndarray],
) -> None:
    inputs, totals = demo
    one = model.uncertainty(inputs, totals, Noise(), draws=120, seed=5)
    again = model.uncertainty(inputs, totals, Noise(), draws=120, seed=5, batch=7)
    other = model.uncertainty(inputs, totals, Noise(), draws=120, seed=6)
    assert (one.rank_counts == again.rank_counts).all() and (one.tier_counts == again.tier_counts).all()
    assert not (one.rank_counts == other.rank_counts).all()


def test_intervals_contain_the_nominal_rank(demo: tuple[model.ModelInputs, np.ndarray]) -> None:
    inputs, totals = demo
    u = model.uncertainty(inputs, totals, Noise(), draws=1000, seed=0)
    assert (u.rank_quantile(5) <= u.nominal_ranks).all() and (u.nominal_ranks <= u.rank_quantile(95)).all()
    assert (u.rank_counts.sum(axis=1) == 1000).all() and (u.tier_counts.sum(axis=1) == 1000).all()
    assert u.abs_shift.mean() > 0


def test_switching_a_group_off_leaves_the_others_draws_alone(
    demo: tuple[model.ModelInputs, np.ndarray],
) -> None:
    inputs, _ = demo
    a = model.Sampler(inputs, Noise(0.25, 0.1, 1), seed=9).draw(4)
    b = model.Sampler(inputs, Noise(0.25, 0.0, 1), seed=9).draw(4)
    assert b.band_edges is None and a.weights is not None and b.weights is not None
    assert (a.weights == b.weights).all()
    assert a.assessed is not None and b.assessed is not None and (a.assessed == b.assessed).all()


# ---------------------------------------------------------------- sampling semantics


def _single(values: dict[str, object], items: tuple[RegistryItem, ...] = ()) -> model.ModelInputs:
    return extract(SCHEME, {"000001": Facts(2022, values, items)}, ["000001"])


def test_weights_keep_every_dimension_max_so_full_marks_stay_100() -> None:
    full = builtin_scheme("hebei-county-2019")
    facts = {
        "000001": Facts(
            2022,
            {
                "fiscal_st_expenditure": Decimal(20000),
                "public_expenditure": Decimal(1),
                "industrial_rd_expenditure": Decimal(10),
                "industrial_revenue": Decimal(1),
                "high_tech_enterprises": Decimal(500),
                "registered_enterprises": Decimal(1),
                "tech_smes": Decimal(5000),
                "industrial_enterprises": Decimal(1),
                "industrial_enterprises_with_rd_institution": Decimal(1),
                "valid_invention_patents": Decimal(100),
                "resident_population": Decimal(1),
                "high_tech_industry_value_added": Decimal(1),
                "industrial_value_added": Decimal(1),
                "agri_industrialization_rate": Decimal(90),
                "st_admin_body": "independent",
                "st_leading_group": True,
                "st_management_innovation_score": Decimal(5),
                "other_award_points": Decimal(5),
            },
            tuple(
                RegistryItem("platform", "key_lab", "national", date(2010, 1, 1), None, f"k{i}", i)
                for i in range(4)
            )
            + tuple(
                RegistryItem(
                    "platform", "high_tech_zone", "national", date(2010, 1, 1), None, f"z{i}", 10 + i
                )
                for i in range(2)
            )
            + tuple(
                RegistryItem("platform", "incubator", "national", date(2010, 1, 1), None, f"i{i}", 20 + i)
                for i in range(3)
            ),
        ),
    }
    exact = score(full, facts["000001"], "000001")
    assert exact.total == 100  # the hand-made region has full marks
    inputs = extract(full, facts, ["000001"])
    s = model.Sampler(inputs, Noise(0.5, 0, 0), seed=2)
    totals = model.draw_totals(inputs, np.array([100.0]), Noise(0.5, 0, 0), s.draw(200), 200)
    assert np.abs(totals - 100).max() < 1e-9
    scales = model.weight_scales(inputs, 0.5, s.draw(200).weights)
    assert scales is not None and scales.std() > 0.1  # the maxima did move
    new_max = inputs.maxima * scales
    for d, dmax in enumerate(inputs.dimension_maxima):
        assert new_max[:, inputs.dimension_of == d].sum(axis=1) == pytest.approx(dmax, abs=1e-9)


def test_assessed_points_are_shifted_and_clipped_to_their_bounds() -> None:
    inputs = _single({"st_management_innovation_score": Decimal(5)})
    noise = Noise(0, 0, 1.0)
    draws = 40_000
    totals = model.draw_totals(
        inputs, np.array([5.0]), noise, model.Sampler(inputs, noise, 4).draw(draws), draws
    )
    # 5 + U[-1, 1] clipped to [0, 5]: E = 5 - 1/4 (half the draws lose on average 1/2); never above 5
    assert totals.max() <= 5.0 + 1e-12 and totals.min() >= 4.0 - 1e-12
    assert totals.mean() == pytest.approx(4.75, abs=0.01)


def test_assessed_extra_points_count_before_the_tally_cap() -> None:
    awards = tuple(
        RegistryItem("award", "st_award", "national", date(2022, 5, 1), None, f"a{i}", i) for i in range(2)
    )
    # two national S&T awards: 6 points, capped at 5; the assessed extra (2) cannot lift it
    inputs = _single({"other_award_points": Decimal(2)}, awards)
    (col,) = [c for c in inputs.capped if c.has_assessed]
    assert (col.fixed[0], col.assessed[0], col.cap) == (6.0, 2.0, 5.0)
    noise = Noise(0, 0, 1.0)
    totals = model.draw_totals(inputs, np.array([5.0]), noise, model.Sampler(inputs, noise, 4).draw(500), 500)
    assert (totals == 5.0).all()


def test_band_edge_noise_moves_points_of_a_value_on_a_knot() -> None:
    # 5000 万元 sits on the knot 5000 -> 4 (1000 -> 3, 10000 -> 5); thresholds t1 = 1000 m1,
    # t2 = 5000 m2, t3 = 10000 m3 with m ~ U[0.9, 1.1]. When t2 < 5000 the segment t2..t3 is read:
    # 4 + (5000 - t2) / (t3 - t2), at most 4 + 500 / (9000 - 4500). When t2 > 5000 the segment
    # t1..t2: 3 + (5000 - t1) / (t2 - t1), at least 3 + 3900 / (5500 - 1100).
    inputs = _single({"fiscal_st_expenditure": Decimal(5000)})
    noise = Noise(0, 0.1, 0)
    draws = 20_000
    totals = model.draw_totals(
        inputs, np.array([4.0]), noise, model.Sampler(inputs, noise, 3).draw(draws), draws
    )
    assert 3.85 < totals.min() < 4.0 < totals.max() < 4.15
    assert totals.min() >= 3 + 3900 / 4400 - 1e-9 and totals.max() <= 4 + 500 / 4500 + 1e-9
    # near the extremes: both ends are reached to within 0.01
    assert totals.min() < 3 + 3900 / 4400 + 0.01 and totals.max() > 4 + 500 / 4500 - 0.01


# ---------------------------------------------------------------- parameter checks


@pytest.mark.parametrize(
    ("name", "raw", "ok"),
    [
        ("draws", "1", 1),
        ("draws", "10000", 10000),
        ("draws", "10001", None),
        ("draws", "0", None),
        ("draws", "1.5", None),
        ("seed", "-1", None),
        ("weight_noise", "0.9", 0.9),
        ("weight_noise", "0.91", None),
        ("knot_noise", "nan", None),
        ("knot_noise", "inf", None),
        ("assessed_noise", "x", None),
        ("n", "7", None),
    ],
)
def test_parameters_are_checked_with_the_value_and_the_range(name: str, raw: str, ok: float | None) -> None:
    if ok is not None:
        assert check(name, raw) == ok
    else:
        with pytest.raises(ValueError, match=rf"must be .* from .* to .*; received '{raw}'"):
            check(name, raw)


@pytest.mark.parametrize("regions", [0, 1, 2])
def test_tiny_scopes_answer_without_errors(regions: int) -> None:
    from app.robustness.statistics import round_statistics

    codes = CODES[:regions]
    data = generate(CODES[:3], [2022], seed=7)
    inputs = extract(SCHEME, {c: data.facts(c, 2022) for c in codes}, codes)
    totals = inputs.scores.sum(axis=1)
    u = model.uncertainty(inputs, totals, Noise(), draws=20, seed=0)
    assert len(u.rank_quantile(50)) == regions
    assert len(model.leave_one_out(inputs)) == len(SCHEME.indicators)
    out = round_statistics(inputs)
    assert len(out["indicators"]) == len(SCHEME.indicators)  # type: ignore[arg-type]
    assert len(model.near_boundary(inputs, totals, u.nominal_tiers)) == regions


def test_the_estimators_agree_with_salib() -> None:
    from SALib.analyze import sobol

    from app.robustness.sensitivity import saltelli_outputs

    def model_(blocks: dict[str, np.ndarray], rows: int) -> np.ndarray:
        u, v, w = blocks["u"][:, 0], blocks["v"][:, 0], blocks["w"][:, 0]
        return u + 2 * v**2 + u * w

    shapes = {"u": (1,), "v": (1,), "w": (1,)}
    ours = sobol_indices(shapes, model_, 512, seed=4, resamples=300)
    y = saltelli_outputs(shapes, model_, 512, seed=4)
    problem = {"num_vars": 3, "names": ["u", "v", "w"], "bounds": [[0, 1]] * 3}
    theirs = sobol.analyze(problem, y, calc_second_order=False, num_resamples=300, conf_level=0.9, seed=1)
    for j, g in enumerate(ours):
        assert g.first_order == pytest.approx(theirs["S1"][j], abs=1e-12)
        assert g.total == pytest.approx(theirs["ST"][j], abs=1e-12)
        # SALib gives a normal interval (+-1.645 sd of its resamples); ours are percentiles
        assert g.first_order_interval is not None and g.total_interval is not None
        half = (g.total_interval[1] - g.total_interval[0]) / 2
        assert half == pytest.approx(theirs["ST_conf"][j], rel=0.35)


def test_tier_shares_are_rounded_to_add_up_to_one() -> None:
    from app.services.robustness import _probabilities

    # thirds round to 0.3333 each (0.9999): the largest remainder takes the missing 0.0001
    p = _probabilities(np.array([1, 1, 1]), 3, ("A", "B", "C"))
    assert sorted(p.values()) == [0.3333, 0.3333, 0.3334]
    assert sum(Decimal(repr(v)) for v in p.values()) == 1
    # 2/3 rounds up to 0.6667 and 1/3 to 0.3333: exact already
    assert _probabilities(np.array([2, 1, 0]), 3, ("A", "B", "C")) == {"A": 0.6667, "B": 0.3333, "C": 0.0}


def _knot_points(knots: Sequence[tuple[Decimal, Decimal]], value: Decimal) -> tuple[Decimal, int]:
    """Points of a banded table read by hand (straight line between knots, the top score at or above
    the last knot) and the index of the knot at or below the value: independent of the engine."""
    if value >= knots[-1][0]:
        return knots[-1][1], len(knots) - 1
    i = max(k for k, (t, _) in enumerate(knots) if t <= value)
    (t0, s0), (t1, s1) = knots[i], knots[i + 1]
    return s0 + (value - t0) * (s1 - s0) / (t1 - t0), i


def test_near_boundary_matches_a_decimal_computation_on_the_knots() -> None:
    data = generate(CODES, [2022], seed=7)
    facts = {c: data.facts(c, 2022) for c in CODES}
    inputs = extract(SCHEME, facts, CODES)
    totals = np.array([float(score(SCHEME, facts[c], c).total) for c in CODES])
    tiers = model.tier_index(totals, inputs.tier_thresholds)
    got = model.near_boundary(inputs, totals, tiers)
    thresholds = [t.min_score for t in SCHEME.tiers]  # 80, 60, 0
    expected = []
    for c in CODES:
        b = score(SCHEME, facts[c], c)
        up = down = Decimal(0)
        for ind in SCHEME.indicators:
            if ind.rule.kind != "banded":
                continue
            knots = ind.rule.knots  # type: ignore[attr-defined]
            v = b.indicators[SCHEME.indicators.index(ind)].value
            v = v if isinstance(v, Decimal) else Decimal(0)
            here, i = _knot_points(knots, v)
            if i + 1 < len(knots):
                up = max(up, knots[i + 1][1] - here)
            below = knots[i - 1][1] if v == knots[i][0] and i > 0 else knots[i][1]
            down = max(down, here - below)
        t = b.tier.code
        k = [x.code for x in SCHEME.tiers].index(t)
        reaches_next = k > 0 and b.total + up >= thresholds[k - 1]
        drops = k < len(thresholds) - 1 and b.total - down < thresholds[k]
        expected.append(reaches_next or drops)
    assert list(got) == expected
    assert 0 < sum(expected) < len(CODES)
