"""Tests for briefing.analysis.stats against independent references (statsmodels, scipy, published examples)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import optimize
from scipy import stats as sps
from scipy.special import xlog1py, xlogy
from statsmodels.stats.proportion import proportion_confint, proportions_ztest

from briefing.analysis.stats import (
    NOT_TESTED,
    SMALL_BASE,
    SMALL_COMPLEMENT,
    SMALL_COUNT,
    Z_TEST,
    Comparison,
    RakingError,
    Suppression,
    compare_proportions,
    compare_weighted,
    effective_n,
    fpc,
    post_stratify,
    proportion_ci,
    rake,
    suppress,
    weighted_proportion,
    weighted_proportion_ci,
    weights_for,
)

N_PCN = 1250

# ---------------------------------------------------------------------------------------------
# proportion_ci
# ---------------------------------------------------------------------------------------------

CASES = [(0, 10), (1, 10), (5, 10), (10, 10), (71, 213), (24, 213), (105, 213), (158, 213), (1, 1), (0, 1)]


@pytest.mark.parametrize("count,base", CASES)
@pytest.mark.parametrize("level", [0.9, 0.95, 0.99])
def test_wilson_without_fpc_matches_statsmodels(count, base, level):
    low, high = proportion_ci(count, base, level=level)
    ref = proportion_confint(count, base, alpha=1 - level, method="wilson")
    assert low == pytest.approx(ref[0], abs=1e-12)
    assert high == pytest.approx(ref[1], abs=1e-12)


@pytest.mark.parametrize("count,base", CASES)
@pytest.mark.parametrize("population", [214, 250, 1250, 100_000])
def test_wilson_with_fpc_matches_statsmodels_on_effective_n(count, base, population):
    # Proof of the equivalence used here. The FPC Wilson interval is the set of pi with
    #     (p - pi)^2 <= z^2 * f * pi (1 - pi) / n,   f = (N - n)/(N - 1) > 0.
    # Since f/n = 1/m with m = n/f, this is  (p - pi)^2 <= z^2 * pi (1 - pi) / m,  which is the
    # defining inequality of the ordinary Wilson interval for a proportion p on a sample of m.
    # statsmodels' Wilson interval for (count = p*m, nobs = m) uses q = count/nobs = p and
    # n = m, so it solves the same quadratic: the two intervals are identical.
    if population <= base:
        pytest.skip("population not larger than base (a census is tested separately)")
    f = (population - base) / (population - 1)
    low, high = proportion_ci(count, base, population=population)
    p = count / base
    m = base / f
    ref = proportion_confint(p * m, m, alpha=0.05, method="wilson")
    assert low == pytest.approx(ref[0], abs=1e-12)
    assert high == pytest.approx(ref[1], abs=1e-12)


@pytest.mark.parametrize("count,base,population", [(71, 213, 1250), (24, 213, 1250), (3, 20, 40), (19, 20, 25)])
def test_wilson_with_fpc_inverts_the_score_test(count, base, population):
    # Independent of the closed form: find the interval ends numerically from the definition,
    # |p - pi| = z * sqrt(f * pi (1 - pi) / n).
    z = sps.norm.ppf(0.975)
    f = (population - base) / (population - 1)
    p = count / base

    def g(pi):
        return (p - pi) ** 2 - z**2 * f * pi * (1 - pi) / base

    low = optimize.brentq(g, 0.0, p) if p > 0 else 0.0
    high = optimize.brentq(g, p, 1.0) if p < 1 else 1.0
    assert proportion_ci(count, base, population) == pytest.approx((low, high), abs=1e-10)


def test_fpc_narrows_the_interval():
    wide = proportion_ci(71, 213)
    narrow = proportion_ci(71, 213, population=N_PCN)
    assert narrow[0] > wide[0] and narrow[1] < wide[1]
    # half-width shrinks roughly by sqrt(f)
    f = fpc(213, N_PCN)
    assert f == pytest.approx((1250 - 213) / 1249)


def test_census_collapses_to_the_point():
    assert proportion_ci(71, 213, population=213) == (71 / 213, 71 / 213)
    assert proportion_ci(0, 5, population=5) == (0.0, 0.0)


def test_empty_base_gives_nan():
    low, high = proportion_ci(0, 0)
    assert math.isnan(low) and math.isnan(high)
    low, high = proportion_ci(0, 0, population=10)
    assert math.isnan(low) and math.isnan(high)


@pytest.mark.parametrize(
    "args,message",
    [
        ((5, 4), "count .* cannot exceed base"),
        ((5, 10, 9), "base .* cannot exceed population"),
        ((-1, 10), "must not be negative"),
        ((1.5, 10), "whole number"),
        ((1, 10, None, 1.0), "level"),
        ((1, 10, None, 0), "level"),
    ],
)
def test_proportion_ci_validates(args, message):
    with pytest.raises(ValueError, match=message):
        proportion_ci(*args)


def test_proportion_ci_accepts_numpy_integers():
    assert proportion_ci(np.int64(71), np.int64(213), np.int64(1250)) == proportion_ci(71, 213, 1250)


# ---------------------------------------------------------------------------------------------
# compare_proportions
# ---------------------------------------------------------------------------------------------


def score_interval_by_hand(p1, m1, p2, m2, level=0.95):
    """The score interval from its definition, independently of stats' closed form and root-finder: the shares
    most likely under pi1 - pi2 = delta by numerical maximisation, each end by brentq on |statistic| = z.
    m_i is group i's effective size (n_i / f_i)."""
    z = sps.norm.ppf(0.5 + level / 2)

    def statistic(delta):
        def minus_loglik(pi2):
            pi1 = pi2 + delta
            return -(m1 * (xlogy(p1, pi1) + xlog1py(1 - p1, -pi1)) + m2 * (xlogy(p2, pi2) + xlog1py(1 - p2, -pi2)))

        bounds = (max(0.0, -delta), min(1.0, 1.0 - delta))
        pi2 = optimize.minimize_scalar(minus_loglik, bounds=bounds, method="bounded", options={"xatol": 1e-14}).x
        pi1 = pi2 + delta
        return (p1 - p2 - delta) / math.sqrt(pi1 * (1 - pi1) / m1 + pi2 * (1 - pi2) / m2)

    d = p1 - p2
    low = optimize.brentq(lambda x: statistic(x) - z, -1 + 1e-9, d, xtol=1e-14)
    high = optimize.brentq(lambda x: statistic(x) + z, d, 1 - 1e-9, xtol=1e-14)
    return low, high


def test_score_interval_published_examples():
    # Newcombe (1998), Statistics in Medicine 17:873-890, Table II: method 5 (Mee's score interval, this one) and
    # method 6 (Miettinen and Nurminen's, the same with the variance times N/(N - 1): here a wider z).
    for (c1, n1, c2, n2), mee, mn in [
        ((56, 70, 48, 80), (0.0533, 0.3377), (0.0528, 0.3382)),
        ((9, 10, 3, 10), (0.1821, 0.8370), (0.1700, 0.8406)),
        ((5, 56, 0, 29), (-0.0313, 0.1926), (-0.0326, 0.1933)),
    ]:
        c = compare_proportions(c1, n1, c2, n2)
        assert (round(c.ci_low, 4), round(c.ci_high, 4)) == mee
        n = n1 + n2
        wider = 2 * sps.norm.cdf(sps.norm.ppf(0.975) * math.sqrt(n / (n - 1))) - 1
        c = compare_proportions(c1, n1, c2, n2, level=wider)
        assert (round(c.ci_low, 4), round(c.ci_high, 4)) == mn


@pytest.mark.parametrize(
    "c1,n1,c2,n2,population",
    [
        (56, 70, 48, 80, None),
        (6, 7, 2, 7, None),
        (3, 20, 1, 25, None),
        (2, 8, 7, 9, None),
        (1, 10, 6, 12, None),
        (71, 120, 40, 93, None),
        (30, 80, 20, 90, (400, 500)),
        (41, 195, 23, 211, (1251, 1250)),
        (3, 20, 9, 12, (40, 25)),
    ],
)
def test_score_interval_is_the_inverted_test_by_brute_force(c1, n1, c2, n2, population):
    c = compare_proportions(c1, n1, c2, n2, population=population)
    f1, f2 = (fpc(n1, population[0]), fpc(n2, population[1])) if population else (1.0, 1.0)
    low, high = score_interval_by_hand(c1 / n1, n1 / f1, c2 / n2, n2 / f2)
    assert c.ci_low == pytest.approx(low, abs=1e-8)
    assert c.ci_high == pytest.approx(high, abs=1e-8)


def all_tables(bases) -> tuple[np.ndarray, ...]:
    """(count1, base1, count2, base2) for every 2x2 table with both bases in `bases`: every count of each."""
    tables = [(k1, n1, k2, n2) for n1 in bases for n2 in bases for k1 in range(n1 + 1) for k2 in range(n2 + 1)]
    return tuple(np.array(tables).T)


def agree(c: Comparison) -> np.ndarray:
    """Where the verdict, the p-value and the interval say the same thing."""
    excludes_zero = (c.ci_low > 0) | (c.ci_high < 0)
    return (excludes_zero == c.significant) & ((c.p_value < 1 - c.level) == c.significant)


def test_every_small_tables_verdict_agrees_with_its_interval():
    # All 231,361 tables with bases of 5 to 30. Where Fisher's test decided small cells beside a Newcombe
    # interval, 6,194 of them disagreed (352 of the 12,321 with bases 5, 10, ..., 30): 6 of 7 against 2 of 7
    # printed +0.058 to +0.806 beside "within the margin of error".
    tables = all_tables(range(5, 31))
    c = compare_proportions(*tables)
    assert len(c.ci_low) == 231_361 and agree(c).all()
    assert ((c.ci_low <= c.difference) & (c.difference <= c.ci_high)).all()
    # With each group's finite population correction, censuses (a base of 30) included.
    tables = all_tables(range(5, 31, 5))
    c = compare_proportions(*tables, population=(30, 40))
    assert agree(c).all() and ((c.ci_low <= c.difference) & (c.difference <= c.ci_high)).all()


def test_one_at_a_time_is_the_same_as_all_at_once():
    tables = np.array(all_tables(range(5, 31, 5))).T[::401]
    together = compare_proportions(*tables.T, population=(40, 40))
    for i, table in enumerate(tables):
        alone = compare_proportions(*map(int, table), population=(40, 40))
        assert alone.significant == together.significant[i]
        assert (alone.ci_low, alone.ci_high, alone.p_value) == pytest.approx(
            (together.ci_low[i], together.ci_high[i], together.p_value[i]), abs=1e-11
        )


def test_six_of_seven_against_two_of_seven():
    # The table: the interval excludes zero, and so does the test beside it now.
    c = compare_proportions(6, 7, 2, 7)
    assert (round(c.ci_low, 3), round(c.ci_high, 3), round(c.p_value, 3)) == (0.054, 0.848, 0.031)
    assert c.significant and c.test == Z_TEST


@pytest.mark.parametrize(
    "c1,n1,c2,n2",
    [(56, 70, 48, 80), (30, 100, 45, 110), (71, 120, 40, 93), (50, 100, 50, 100), (6, 7, 2, 7), (3, 20, 1, 25)],
)
def test_z_test_matches_statsmodels(c1, n1, c2, n2):
    c = compare_proportions(c1, n1, c2, n2)
    _, p = proportions_ztest([c1, c2], [n1, n2])
    assert c.test == Z_TEST
    assert c.p_value == pytest.approx(p, rel=1e-10)
    assert c.significant == (p < 0.05)


def test_z_test_with_equal_fpc_scales_the_statistic():
    # With f1 = f2 = f the FPC-corrected statistic is z / sqrt(f).
    c1, n1, c2, n2 = 40, 100, 55, 100
    z, _ = proportions_ztest([c1, c2], [n1, n2])
    c = compare_proportions(c1, n1, c2, n2, population=(300, 300))
    f = (300 - 100) / 299
    assert c.p_value == pytest.approx(2 * sps.norm.sf(abs(z) / math.sqrt(f)), rel=1e-10)
    assert "finite population corrected" in c.test


def test_significance_follows_level():
    c95 = compare_proportions(30, 100, 45, 110, level=0.95)
    c80 = compare_proportions(30, 100, 45, 110, level=0.80)
    assert 0.05 < c95.p_value < 0.2
    assert not c95.significant and c80.significant
    assert c95.ci_low < 0 < c95.ci_high and c80.ci_high < 0


def test_census_comparison():
    c = compare_proportions(30, 100, 45, 110, population=(100, 110))
    assert c.ci_low == pytest.approx(c.difference) and c.ci_high == pytest.approx(c.difference)
    assert c.p_value == 0.0 and c.significant


def test_a_census_group_leaves_only_the_other_groups_error():
    # A census's share is known exactly, so the difference's interval is p1 less the other group's Wilson interval.
    c = compare_proportions(30, 100, 45, 110, population=(100, 1100))
    low, high = proportion_ci(45, 110, population=1100)
    assert (c.ci_low, c.ci_high) == pytest.approx((0.3 - high, 0.3 - low), abs=1e-11)


def test_a_population_of_one_is_a_census_or_has_no_respondent():
    assert (fpc(1, 1), fpc(0, 1), fpc(0, 10)) == (0.0, 1.0, 1.0)
    assert all(math.isnan(end) for end in proportion_ci(0, 0, population=1))
    assert proportion_ci(1, 1, population=1) == (1.0, 1.0)
    empty = compare_proportions(0, 0, 1, 1, population=(1, 1))
    assert math.isnan(empty.difference) and math.isnan(empty.p_value) and not empty.significant
    assert empty.test == NOT_TESTED
    one_each = compare_proportions(1, 1, 0, 1, population=(1, 1))
    assert (one_each.difference, one_each.ci_low, one_each.ci_high, one_each.p_value) == (1.0, 1.0, 1.0, 0.0)
    assert one_each.significant
    same = compare_proportions(1, 1, 1, 1, population=(1, 1))
    assert (same.ci_low, same.ci_high, same.p_value, same.significant) == (0.0, 0.0, 1.0, False)


def test_comparison_with_empty_group():
    c = compare_proportions(0, 0, 5, 10)
    assert math.isnan(c.p1) and math.isnan(c.ci_low) and math.isnan(c.p_value)
    assert not c.significant and c.test == NOT_TESTED


def test_comparison_is_frozen():
    c = compare_proportions(56, 70, 48, 80)
    with pytest.raises(AttributeError):
        c.p1 = 0.5  # type: ignore[misc]


@pytest.mark.parametrize("population", [1250, "1250", (1, 2, 3)])
def test_comparison_population_must_be_a_pair(population):
    with pytest.raises((TypeError, ValueError), match="pair"):
        compare_proportions(5, 10, 5, 10, population=population)


def test_comparison_validates_counts():
    with pytest.raises(ValueError, match="count2"):
        compare_proportions(5, 10, 11, 10)
    with pytest.raises(ValueError, match=r"count1 \(6\) cannot exceed base1 \(5\)"):
        compare_proportions(np.array([1, 6]), np.array([5, 5]), np.array([0, 0]), np.array([5, 5]))
    with pytest.raises(ValueError, match="whole number"):
        compare_proportions(np.array([1.5]), np.array([5]), np.array([0]), np.array([5]))
    with pytest.raises(ValueError, match=r"base \(12\) cannot exceed population \(10\)"):
        compare_proportions(5, 12, 5, 10, population=(10, 10))


def test_weighted_comparison_with_equal_weights_is_the_unweighted_one():
    plain = compare_proportions(41, 195, 23, 211, population=(1251, 1250))
    weighted = compare_weighted(41 / 195, 195, 195.0, 23 / 211, 211, 211.0, population=(1251, 1250))
    for key in ("difference", "ci_low", "ci_high", "p_value"):
        assert getattr(weighted, key) == pytest.approx(getattr(plain, key), abs=1e-11), key
    assert weighted.test == "two-proportion z-test on effective sample sizes (finite population corrected)"


def test_weighted_comparison_takes_its_fpc_from_the_respondents():
    # Each group's variance is f(n) / n_eff: the FPC of the n who answered, as in the group's own interval.
    c = compare_weighted(0.52, 100, 90.0, 0.50, 120, 100.0, population=(400, 500))
    m1, m2 = 90 / fpc(100, 400), 100 / fpc(120, 500)
    assert (c.ci_low, c.ci_high) == pytest.approx(score_interval_by_hand(0.52, m1, 0.50, m2), abs=1e-8)
    pooled = (0.52 * m1 + 0.50 * m2) / (m1 + m2)
    z = 0.02 / math.sqrt(pooled * (1 - pooled) * (1 / m1 + 1 / m2))
    assert c.p_value == pytest.approx(2 * sps.norm.sf(z), rel=1e-10)


@pytest.mark.parametrize(
    "args,message",
    [
        ((1.2, 10, 5.0, 0.5, 10, 5.0), "value1 must be a proportion"),
        ((0.5, 10, 11.0, 0.5, 10, 5.0), "effective_n1"),
        ((0.5, 10, 5.0, 0.5, 10, 0.0), "effective_n2"),
    ],
)
def test_weighted_comparison_validates(args, message):
    with pytest.raises(ValueError, match=message):
        compare_weighted(*args)


def test_weighted_comparison_with_no_respondents_is_not_tested():
    c = compare_weighted(None, 0, 0.0, 0.5, 10, 8.0, population=(1, 20))
    assert math.isnan(c.difference) and not c.significant and c.test == NOT_TESTED


# ---------------------------------------------------------------------------------------------
# Weighting
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def sample():
    # 100 respondents: 50 in region x, 50 in y; size band u/v alternating.
    return pd.DataFrame(
        {"region": ["x"] * 50 + ["y"] * 50, "band": ["u", "v"] * 50},
        index=pd.RangeIndex(1000, 1100),
    )


def test_post_stratify_hand_computed(sample):
    # Population 75% x, 25% y; sample 50/50. Weights 0.75/0.5 = 1.5 and 0.25/0.5 = 0.5 (mean 1).
    pop = pd.DataFrame({"region": ["x", "y"], "n": [750, 250]})
    w = post_stratify(sample, pop, ["region"], "n")
    assert w.index.equals(sample.index)
    assert w[sample.region == "x"].to_numpy() == pytest.approx(1.5)
    assert w[sample.region == "y"].to_numpy() == pytest.approx(0.5)
    assert w.mean() == pytest.approx(1.0)


def test_post_stratify_two_way_from_a_unit_frame(sample):
    # One row per population unit; cells (x,u) 30, (x,v) 45, (y,u) 10, (y,v) 15 = 100.
    frame = pd.DataFrame({"region": ["x"] * 75 + ["y"] * 25, "band": ["u"] * 30 + ["v"] * 45 + ["u"] * 10 + ["v"] * 15})
    w = post_stratify(sample, frame, ["region", "band"])
    # each sample cell has 25 of 100 = 0.25; weights = pop share / 0.25
    expected = {("x", "u"): 1.2, ("x", "v"): 1.8, ("y", "u"): 0.4, ("y", "v"): 0.6}
    for (r, b), value in expected.items():
        assert w[(sample.region == r) & (sample.band == b)].to_numpy() == pytest.approx(value)
    assert weighted_proportion(sample.region == "x", w) == pytest.approx(0.75)


def test_post_stratify_normalises_when_a_population_cell_is_empty_in_sample(sample):
    pop = pd.DataFrame({"region": ["x", "y", "z"], "n": [600, 200, 200]})
    w = post_stratify(sample, pop, ["region"], "n")
    assert w.mean() == pytest.approx(1.0)
    assert w[sample.region == "x"].iloc[0] / w[sample.region == "y"].iloc[0] == pytest.approx(3.0)


def test_post_stratify_rejects_respondents_outside_population(sample):
    pop = pd.DataFrame({"region": ["x"], "n": [100]})
    with pytest.raises(ValueError, match="no population"):
        post_stratify(sample, pop, ["region"], "n")


def test_post_stratify_rejects_missing_cell_values(sample):
    sample.loc[1000, "region"] = None
    pop = pd.DataFrame({"region": ["x", "y"], "n": [1, 1]})
    with pytest.raises(ValueError, match="no value"):
        post_stratify(sample, pop, ["region"], "n")


def test_rake_converges_to_the_margins(sample):
    margins = {"region": pd.Series({"x": 700, "y": 300}), "band": pd.Series({"u": 350, "v": 650})}
    w = rake(sample, margins, tol=1e-10)
    assert w.mean() == pytest.approx(1.0)
    assert (w.groupby(sample.region).sum() / w.sum()).to_dict() == pytest.approx({"x": 0.7, "y": 0.3})
    assert (w.groupby(sample.band).sum() / w.sum()).to_dict() == pytest.approx({"u": 0.35, "v": 0.65})


def test_rake_on_a_balanced_sample_gives_product_weights(sample):
    # The sample is balanced (25 in each cell, region and band independent), so the raking
    # solution is the product of the one-way adjustments: w = (share_r / 0.5) * (share_b / 0.5).
    margins = {"region": pd.Series({"x": 0.7, "y": 0.3}), "band": pd.Series({"u": 0.35, "v": 0.65})}
    w = rake(sample, margins, tol=1e-12)
    for r, pr in {"x": 0.7, "y": 0.3}.items():
        for b, pb in {"u": 0.35, "v": 0.65}.items():
            assert w[(sample.region == r) & (sample.band == b)].to_numpy() == pytest.approx(pr / 0.5 * pb / 0.5)


def test_rake_on_one_margin_equals_post_stratification(sample):
    pop = pd.DataFrame({"region": ["x", "y"], "n": [750, 250]})
    ps = post_stratify(sample, pop, ["region"], "n")
    rk = rake(sample, {"region": pop.set_index("region")["n"]})
    assert rk.to_numpy() == pytest.approx(ps.to_numpy())


def test_rake_unbalanced_sample_converges():
    rng = np.random.default_rng(1)
    s = pd.DataFrame({"a": rng.choice(list("pqr"), 300, p=[0.6, 0.3, 0.1]), "b": rng.choice(list("st"), 300)})
    margins = {"a": pd.Series({"p": 1, "q": 1, "r": 1}), "b": pd.Series({"s": 3, "t": 1})}
    w = rake(s, margins, tol=1e-9, max_iter=500)
    assert (w.groupby(s.a).sum() / w.sum()).to_numpy() == pytest.approx([1 / 3] * 3, abs=1e-8)
    assert (w.groupby(s.b).sum() / w.sum()).to_numpy() == pytest.approx([0.75, 0.25], abs=1e-8)


def test_rake_raises_on_non_convergence():
    # An unbalanced 2x2 sample needs several sweeps; one is not enough at a tight tolerance.
    s = pd.DataFrame(
        {"a": ["p"] * 40 + ["p"] * 10 + ["q"] * 10 + ["q"] * 40, "b": ["s"] * 40 + ["t"] * 10 + ["s"] * 10 + ["t"] * 40}
    )
    margins = {"a": pd.Series({"p": 0.8, "q": 0.2}), "b": pd.Series({"s": 0.3, "t": 0.7})}
    with pytest.raises(RakingError, match="did not converge in 1 iterations"):
        rake(s, margins, max_iter=1, tol=1e-12)
    assert isinstance(RakingError("x"), RuntimeError)


def test_rake_rejects_unmatchable_margins(sample):
    with pytest.raises(ValueError, match="no respondents"):
        rake(sample, {"region": pd.Series({"x": 1, "y": 1, "z": 1})})
    with pytest.raises(ValueError, match="no population total"):
        rake(sample, {"region": pd.Series({"x": 1})})


def test_weights_for_post_stratifies_when_cells_are_full(sample):
    pop = pd.DataFrame({"region": ["x", "x", "y", "y"], "band": ["u", "v", "u", "v"], "n": [30, 45, 10, 15]})
    result = weights_for(sample, pop, ["region", "band"], min_cell=25, population_count_col="n")
    weights, method, description = result
    assert method == "post-stratification"
    assert "all 4 populated cells" in description and "smallest 25" in description
    assert weights.to_numpy() == pytest.approx(post_stratify(sample, pop, ["region", "band"], "n").to_numpy())


def test_weights_for_rakes_when_a_cell_is_thin(sample):
    pop = pd.DataFrame({"region": ["x", "x", "y", "y"], "band": ["u", "v", "u", "v"], "n": [30, 45, 10, 15]})
    result = weights_for(sample, pop, ["region", "band"], min_cell=26, population_count_col="n")
    assert result.method == "raking"
    assert "4 of 4 populated cells" in result.description and "fewer than 26" in result.description
    w = result.weights
    assert (w.groupby(sample.region).sum() / w.sum()).to_dict() == pytest.approx({"x": 0.75, "y": 0.25}, abs=1e-6)
    assert (w.groupby(sample.band).sum() / w.sum()).to_dict() == pytest.approx({"u": 0.4, "v": 0.6}, abs=1e-6)


def test_weights_for_rakes_when_a_populated_cell_has_no_respondents():
    s = pd.DataFrame({"region": ["x"] * 30 + ["y"] * 30, "band": ["u"] * 15 + ["v"] * 15 + ["u"] * 30})
    pop = pd.DataFrame({"region": ["x", "x", "y", "y"], "band": ["u", "v", "u", "v"], "n": [20, 30, 45, 5]})
    result = weights_for(s, pop, ["region", "band"], min_cell=5, population_count_col="n")
    assert result.method == "raking"
    assert (
        "1 of 4 populated cells of region \u00d7 band has fewer than 5 respondents (1 with none)" in result.description
    )
    w = result.weights
    assert (w.groupby(s.band).sum() / w.sum()).to_dict() == pytest.approx({"u": 0.65, "v": 0.35}, abs=1e-6)
    # Margins no weights can meet (band v, only in region x, is 50% but x is 40%): raking says so.
    impossible = pd.DataFrame({"region": ["x", "x", "y", "y"], "band": ["u", "v", "u", "v"], "n": [20, 20, 30, 30]})
    with pytest.raises(RakingError, match="did not converge"):
        weights_for(s, impossible, ["region", "band"], min_cell=5, population_count_col="n")
    # ignores an unpopulated cell (count 0) when deciding
    pop0 = pd.DataFrame({"region": ["x", "x", "y", "y"], "band": ["u", "v", "u", "v"], "n": [20, 20, 30, 0]})
    assert (
        weights_for(s, pop0, ["region", "band"], min_cell=5, population_count_col="n").method == "post-stratification"
    )


def test_weights_for_validates_min_cell(sample):
    with pytest.raises(ValueError, match="min_cell"):
        weights_for(sample, pd.DataFrame({"region": ["x"]}), ["region"], min_cell=0)


@pytest.mark.parametrize(
    "weights,expected",
    [([1, 1, 1, 1], 4.0), ([2, 2, 2], 3.0), ([1, 1, 1, 3], 3.0), ([1, 0, 0], 1.0), ([0, 0], 0.0)],
)
def test_effective_n(weights, expected):
    # Kish: (sum w)^2 / sum w^2; e.g. (1+1+1+3)^2 / (1+1+1+9) = 36/12 = 3.
    assert effective_n(weights) == pytest.approx(expected)


def test_weighted_proportion_drops_unanswered_rows():
    mask = pd.Series([True, False, None, True], dtype="boolean")
    w = pd.Series([1.0, 3.0, 100.0, 1.0])
    assert weighted_proportion(mask, w) == pytest.approx(2 / 5)


def test_weighted_proportion_aligns_on_index():
    mask = pd.Series([True, False], index=["a", "b"])
    w = pd.Series([1.0, 3.0], index=["b", "a"])
    assert weighted_proportion(mask, w) == pytest.approx(3 / 4)


def test_weighted_ci_with_equal_weights_is_the_plain_interval():
    mask = pd.Series([True] * 71 + [False] * 142)
    w = pd.Series(np.ones(213))
    assert weighted_proportion_ci(mask, w) == pytest.approx(proportion_ci(71, 213))
    assert weighted_proportion_ci(mask, w, population=N_PCN) == pytest.approx(proportion_ci(71, 213, N_PCN))


def test_weighted_ci_uses_effective_n():
    mask = pd.Series([True] * 40 + [False] * 60)
    w = pd.Series([2.0] * 20 + [1.0] * 80)
    p = weighted_proportion(mask, w)
    assert p == pytest.approx(60 / 120)
    n_eff = effective_n(w)
    assert n_eff == pytest.approx(120**2 / (80 + 80))
    ref = proportion_confint(p * n_eff, n_eff, method="wilson")
    assert weighted_proportion_ci(mask, w) == pytest.approx(ref, abs=1e-12)
    # with an FPC on the actual n = 100 from a population of 400
    f = 300 / 399
    m = n_eff / f
    ref = proportion_confint(p * m, m, method="wilson")
    assert weighted_proportion_ci(mask, w, population=400) == pytest.approx(ref, abs=1e-12)


# ---------------------------------------------------------------------------------------------
# Suppression
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("count,expected", [(0, False), (1, True), (7, True), (8, False), (1250, False)])
def test_suppress_count_alone(count, expected):
    assert suppress(count) is expected
    assert suppress(count, threshold=8) is expected


@pytest.mark.parametrize(
    "count,base,expected,reason",
    [
        (0, 213, False, None),
        (1, 213, True, SMALL_COUNT),
        (7, 213, True, SMALL_COUNT),
        (8, 213, False, None),
        (0, 0, True, SMALL_BASE),
        (0, 7, True, SMALL_BASE),
        (7, 7, True, SMALL_COUNT),
        (0, 8, False, None),
        (8, 8, False, None),
        (8, 9, True, SMALL_COMPLEMENT),
        (206, 213, True, SMALL_COMPLEMENT),  # 7 did not: disclosive against the published base
        (205, 213, False, None),
        (212, 213, True, SMALL_COMPLEMENT),
        (213, 213, False, None),  # all: complement 0 is not suppressed
    ],
)
def test_suppress_with_base(count, base, expected, reason):
    assert suppress(count, base) is expected
    assert Suppression().reason(count, base) == reason


def test_complement_rule_can_be_switched_off():
    assert suppress(206, 213, complement=False) is False
    assert suppress(7, 213, complement=False) is True


def test_threshold_is_a_parameter():
    assert suppress(9, 213, threshold=10) is True
    assert suppress(10, 213, threshold=10) is False
    with pytest.raises(ValueError, match="threshold"):
        Suppression(threshold=0)


def test_suppress_validates():
    with pytest.raises(ValueError, match="cannot exceed"):
        suppress(10, 9)
    with pytest.raises(ValueError):
        suppress(-1)
