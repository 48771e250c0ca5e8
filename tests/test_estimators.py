"""The shared estimators: slopes, Richardson extrapolation, acceptance probability."""
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from relu_hmc.numerics.estimators import (Estimate, acceptance_probability, half_grid_curvature, half_grid_slopes,
                                          half_grid_truncation_slack, log_slope, power_law_exponent, richardson,
                                          richardson_weights, weighted_log_slope)


@given(st.floats(-3, 3), st.floats(-2, 2), st.floats(-2, 2), st.sampled_from([1.5, 2.0, 3.0]))
def test_richardson_is_exact_on_a_polynomial_in_the_eliminated_powers(limit, c1, c2, ratio):
    h = 0.2 / ratio ** np.arange(4)
    values = limit + c1 * h + c2 * h ** 2
    result = richardson(h, values, [1, 2])
    assert result.value == pytest.approx(limit, abs=1e-10 * (1 + abs(c1) + abs(c2)))


def test_richardson_bound_covers_the_true_error_of_the_next_term():
    """A(h) = 1 + h + h^2 + h^3: eliminating h and h^2 leaves an O(h^3) error that the
    remainder bound must cover; the remainder's self-check is small in the asymptotic range."""
    h = 0.1 / 2.0 ** np.arange(5)
    result = richardson(h, 1 + h + h ** 2 + h ** 3, [1, 2])
    assert abs(result.value - 1) <= result.bound
    assert result.remainder_error < result.remainder


def test_richardson_extrapolates_arrays_elementwise_and_sorts_the_grid():
    h = np.array([0.025, 0.1, 0.05, 0.0125])
    values = np.stack([2 + 3 * h, -1 + h ** 2], axis=1)
    result = richardson(h, values, [1, 2])
    np.testing.assert_allclose(result.value, [2, -1], atol=1e-12)


def test_richardson_with_a_repeated_power_eliminates_the_log_term_too():
    """A(h) = 2 + h (3 - 5 log h) + h^2 on a geometric grid: powers [1, 1, 2] remove h, h log h
    and h^2 exactly (the confluent Richardson table), and the weights of a unit basis are the
    linear functional the extrapolation applies."""
    h = 0.2 / 2.0 ** np.arange(4)
    values = 2 + h * (3 - 5 * np.log(h)) + h ** 2
    assert richardson(h, values, [1, 1, 2]).value == pytest.approx(2.0, abs=1e-10)
    weights = richardson_weights(h, [1, 1, 2])
    assert weights @ values == pytest.approx(2.0, abs=1e-10) and weights.sum() == pytest.approx(1.0)


@pytest.mark.parametrize("h, powers, message", [
    ([0.1, 0.05], [1, 2], "at least 3 step sizes"),
    ([0.1, 0.1, 0.05], [1], "distinct"),
    ([0.1, 0.05, 0.025], [2, 1], "increasing"),
])
def test_richardson_refuses_bad_grids(h, powers, message):
    with pytest.raises(ValueError, match=message):
        richardson(h, np.ones(len(h)), powers)


def test_power_law_exponent_paired_and_independent_draws_recover_the_exponent(rng):
    x = np.array([0.01, 0.02, 0.04, 0.08])
    z = np.abs(rng.standard_normal((4000, 1)))
    paired = power_law_exponent(x, z * x ** 3, seed=1)
    assert paired.value == pytest.approx(3.0, abs=1e-12) and paired.se < 1e-10
    independent = power_law_exponent(x, [np.abs(rng.standard_normal(4000)) * xi ** 2 for xi in x], seed=1)
    assert abs(independent.value - 2.0) < 4 * independent.se + 1e-12
    assert independent.lo < independent.value < independent.hi


def test_weighted_log_slope_matches_the_exact_power_and_its_se_scales_with_the_point_errors():
    x = np.array([1.0, 2.0, 4.0, 8.0])
    fit = weighted_log_slope(x, 3 * x ** 0.5, 0.01 * 3 * x ** 0.5)
    assert fit.value == pytest.approx(0.5)
    # relative errors 1% on every point: se = 0.01 / sqrt(sum (log x - mean)^2)
    lx = np.log(x)
    assert fit.se == pytest.approx(0.01 / math.sqrt(np.sum((lx - lx.mean()) ** 2)))


def test_half_grid_slopes_agree_on_a_power_law_and_differ_on_a_bent_one():
    x = np.geomspace(0.01, 1, 5)
    small, large = half_grid_slopes(x, x ** 2)
    assert small == pytest.approx(2) and large == pytest.approx(2)
    small, large = half_grid_slopes(x, x ** 2 * (1 + x))
    assert large > small + 0.1


def test_half_grid_curvature_is_the_difference_of_the_half_grid_slopes():
    x = 0.2 / 2.0 ** np.arange(6)
    y = x ** 2 * np.exp(0.7 * x)
    small, large = half_grid_slopes(x, y)
    assert half_grid_curvature(x, y, ses=0.01 * y).value == pytest.approx(large - small)


def test_half_grid_curvature_se_matches_the_spread_of_repeated_paired_and_independent_experiments(rng):
    x = 0.2 / 2.0 ** np.arange(6)
    n, repeats = 2000, 400

    def experiment(paired):
        shared = rng.standard_normal((n, 1)) if paired else rng.standard_normal((n, x.size))
        draws = x ** 2 * np.abs(1 + 0.3 * shared + 0.05 * rng.standard_normal((n, x.size)))
        means = draws.mean(axis=0)
        if paired:
            return half_grid_curvature(x, means, draws=draws)
        return half_grid_curvature(x, means, ses=draws.std(axis=0, ddof=1) / math.sqrt(n))

    for paired in (True, False):
        runs = [experiment(paired) for _ in range(repeats)]
        spread = np.std([r.value for r in runs], ddof=1)
        # the sd of 400 normal draws is within 4 x its own SE (sd / sqrt(2 x 399)) of the truth
        assert np.mean([r.se for r in runs]) == pytest.approx(spread, rel=4 / math.sqrt(2 * (repeats - 1)))


@pytest.mark.parametrize("power", [1.0, 2.0, 3.0])
def test_truncation_slack_bounds_the_full_grid_bias_of_one_correction_term(power):
    # log m = 2 log x + a x^r: the full-grid slope is off by exactly |curvature| f(r) <= slack
    x = 0.2 / 2.0 ** np.arange(6)
    for a in (-0.7, 0.7):
        y = x ** 2 * np.exp(a * x ** power)
        curvature = half_grid_curvature(x, y, ses=np.zeros_like(x))
        bias = abs(log_slope(x, y) - 2.0)
        assert 0 < bias <= half_grid_truncation_slack(x, curvature, 1.0).value + 1e-12
        assert bias <= half_grid_truncation_slack(x, curvature, power).value + 1e-12


def test_truncation_slack_at_a_known_power_below_one_still_bounds_the_bias():
    x = 0.2 / 2.0 ** np.arange(6)
    y = x ** 2 * np.exp(0.7 * x ** 0.5)  # factor f(0.5) ~ 1 on this grid
    curvature = half_grid_curvature(x, y, ses=np.zeros_like(x))
    assert half_grid_truncation_slack(x, curvature, 0.5).value >= abs(log_slope(x, y) - 2.0) - 1e-12


def test_truncation_slack_carries_the_curvature_se_through_the_same_factor():
    x = 0.2 / 2.0 ** np.arange(3)  # 3 points of ratio 2: factor 1.5 at r = 1
    slack = half_grid_truncation_slack(x, Estimate(-0.2, 0.04), 1.0)
    assert slack.value == pytest.approx(0.3) and slack.se == pytest.approx(0.06)


@pytest.mark.parametrize("kwargs, message", [({}, "exactly one"), ({"ses": [1.0, 1.0]}, "one non-negative")])
def test_half_grid_curvature_refuses_ambiguous_or_mismatched_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        half_grid_curvature([0.1, 0.2, 0.4], [1.0, 2.0, 4.0], **kwargs)


def test_acceptance_probability_rejects_every_non_finite_energy_error():
    dh = np.array([-1.0, 0.0, 0.5, np.nan, np.inf, -np.inf, 800.0])
    np.testing.assert_array_equal(acceptance_probability(dh), [1.0, 1.0, math.exp(-0.5), 0, 0, 0, 0])


def test_log_slope_with_a_correction_term_recovers_the_exponent_that_the_plain_fit_misses():
    """y = x^3 (1 + 2x): the plain log-log slope is biased by the O(x) relative correction; one
    correction term x^1 in the regression absorbs its leading part."""
    from relu_hmc.numerics.estimators import log_slope

    x = 0.2 / 2.0 ** np.arange(6)
    y = x ** 3 * (1 + 2 * x)
    plain = log_slope(x, y)
    corrected = log_slope(x, y, corrections=(1,))
    assert abs(plain - 3) > 0.05
    assert abs(corrected - 3) < 0.2 * abs(plain - 3)
    # columns are fitted independently: (n_x, 2) gives the two slopes
    np.testing.assert_allclose(log_slope(x, np.column_stack([x ** 2, 5 * x ** 0.5])), [2.0, 0.5])


def test_column_means_bootstrap_of_a_difference_of_means_has_the_paired_standard_error(rng):
    """Columns a and a + c (the same units): the paired difference of means has se = sd(c) /
    sqrt(n); the joint resampling keeps the pairing, so the large sd of a does not enter."""
    from relu_hmc.numerics.estimators import column_means_bootstrap

    n = 4000
    a = 10.0 * rng.standard_normal(n)
    c = rng.standard_normal(n)
    estimate = column_means_bootstrap(np.column_stack([a, a + c]), lambda m: m[1] - m[0], seed=3, n_boot=2000)
    assert estimate.value == pytest.approx(c.mean())
    assert estimate.se == pytest.approx(c.std(ddof=1) / math.sqrt(n), rel=0.1)
    assert estimate.lo < estimate.value < estimate.hi


def test_richardson_weights_reproduce_the_value_and_bound_propagated_round_off():
    """value = sum_k c_k A(h_k); for halving with powers (1,) the weights are (-1, 2)."""
    from relu_hmc.numerics.estimators import richardson_weights

    h = 0.1 * 0.5 ** np.arange(5)
    values = 3.0 + 2.0 * h - 5.0 * h ** 2 + 7.0 * h ** 3
    c = richardson_weights(h, [1, 2, 3])
    assert math.isclose(float(c @ values), richardson(h, values, [1, 2, 3]).value, rel_tol=1e-14)
    assert math.isclose(c.sum(), 1.0, rel_tol=1e-12)                 # a constant is reproduced
    np.testing.assert_allclose(richardson_weights([0.2, 0.1], [1]), [-1.0, 2.0], rtol=1e-14)


def test_stationary_acceptance_estimate_is_the_acceptance_with_a_smaller_error(rng):
    """dH ~ N(s/2, s) obeys the fluctuation relation p(-x) = e^-x p(x) exactly, and its acceptance
    is 2 Phi(-sqrt(s)/2) (Beskos et al. 2013): the conditional expectation 2 / (1 + e^|dH|) has
    that mean within 4 SE, and a smaller SE than the mean of min(1, e^-dH) on the same draws."""
    from scipy.stats import norm

    from relu_hmc.numerics.estimators import mean_estimate, stationary_acceptance_estimate

    for s in (0.05, 0.5, 4.0):
        dh = s / 2 + math.sqrt(s) * rng.standard_normal(200_000)
        rb, plain = stationary_acceptance_estimate(dh), mean_estimate(acceptance_probability(dh))
        exact = 2 * norm.cdf(-math.sqrt(s) / 2)
        assert abs(rb.value - exact) <= 4 * rb.se, (s, rb, exact)
        assert rb.se < plain.se, (s, rb.se, plain.se)
    # a law without the relation (dH symmetric about 0) is not what it estimates: it differs
    dh = rng.standard_normal(200_000)
    assert abs(stationary_acceptance_estimate(dh).value - acceptance_probability(dh).mean()) > 0.05
    # non-finite dH is a diverged trajectory, rejected (0); dH = 0 is accepted (1)
    assert stationary_acceptance_estimate([np.nan, np.inf, -np.inf, 0.0]).value == 0.25
