"""Law of the energy error dH on product targets (numerics.acceptance).

Tolerances are 4 standard errors of the measurement (plus, for fitted exponents, the
data-derived truncation slack of ExponentResult, asserted small).

Oracles:
- Laplace, gamma = 1/2: Var(dH) -> T J^2 pi(0) E|p|^3 / 12 = 1 * 4 * (1/2) * 2 sqrt(2/pi) / 12
  = 0.26596 (the crossing-phase argument, docs DESIGN sec. 3).
- Gaussian: leapfrog is linear, z_n = M^n z_0 with M the one-step matrix, so per coordinate
  dh = z^T A z / 2 with A = (M^n)^T M^n - I and z ~ N(0, I_2): E dh = tr(A)/2,
  Var dh = tr(A^2)/2, and Var(dH) = d tr(A^2)/2 exactly, at every eps.
"""
import json
import math

import numpy as np
import pytest

from relu_hmc.numerics import potentials as P
from relu_hmc.numerics.acceptance import acceptance_sweep, energy_error_point, l_curve
from relu_hmc.numerics.variance_scaling import measure_sigma0, variance_exponent_in_d, variance_exponent_in_eps

LAPLACE_SIGMA0 = 1.0 * 4.0 * 0.5 * 2.0 * math.sqrt(2.0 / math.pi) / 12.0  # T J^2 pi(0) E|p|^3 / 12


def gaussian_dh_moments(eps: float, n_steps: int) -> tuple[float, float]:
    """(E dh, Var dh) of one coordinate of N(0,1) after n_steps leapfrog steps, exactly."""
    m = np.array([[1 - eps ** 2 / 2, eps], [-eps + eps ** 3 / 4, 1 - eps ** 2 / 2]])
    mn = np.linalg.matrix_power(m, n_steps)
    a = mn.T @ mn - np.eye(2)
    return float(np.trace(a) / 2), float(np.trace(a @ a) / 2)


def within(est, value, k=4.0):
    return abs(est.value - value) <= k * est.se


def test_laplace_variance_at_gamma_half_matches_crossing_formula():
    assert LAPLACE_SIGMA0 == pytest.approx(0.26596, abs=1e-5)
    small = energy_error_point(P.laplace(), 100, l=1.0, gamma=0.5, T=1.0, n_proposals=4000, seed=1)
    assert small.n_steps == 10 and small.eps == pytest.approx(0.1)
    assert within(small.var_dH, LAPLACE_SIGMA0), str(small.var_dH)
    assert within(small.mean_dH, LAPLACE_SIGMA0 / 2), str(small.mean_dH)  # dH ~ N(Sigma/2, Sigma)
    big = energy_error_point(P.laplace(), 10_000, l=1.0, gamma=0.5, T=1.0, n_proposals=30, seed=2)
    assert within(big.var_dH_pooled, LAPLACE_SIGMA0), str(big.var_dH_pooled)


def test_gaussian_variance_matches_matrix_power_closed_form():
    point = energy_error_point(P.gaussian(), 100, l=1.5, gamma=0.25, T=1.0, n_proposals=4000, seed=3)
    mean1, var1 = gaussian_dh_moments(point.eps, point.n_steps)
    assert within(point.var_dH, 100 * var1), (str(point.var_dH), 100 * var1)
    assert within(point.var_dH_pooled, 100 * var1), (str(point.var_dH_pooled), 100 * var1)
    assert within(point.mean_dH, 100 * mean1), (str(point.mean_dH), 100 * mean1)


def test_variance_exponent_in_d_is_one_at_fixed_eps():
    result = variance_exponent_in_d(P.laplace(), eps=0.1, seed=4)
    assert result.exponent.lo <= 1.0 <= result.exponent.hi, str(result.exponent)


@pytest.mark.parametrize("potential, two_k", [(P.laplace(), 2.0), (P.gaussian(), 4.0)])
def test_variance_exponent_in_eps_gives_2k(potential, two_k):
    result = variance_exponent_in_eps(potential, d=1000, seed=5)
    assert result.truncation_slack < 0.05
    lo, hi = result.exponent.lo - result.truncation_slack, result.exponent.hi + result.truncation_slack
    assert lo <= two_k <= hi, (str(result.exponent), result.truncation_slack)


def test_measure_sigma0_laplace_and_gaussian():
    lap = measure_sigma0(P.laplace(), 0.5, 1.0, seed=6)
    assert within(lap.sigma0, LAPLACE_SIGMA0), str(lap.sigma0)
    assert lap.stable
    assert abs(lap.residual_exponent.value) <= 4 * lap.residual_exponent.se
    # the wrong scaling is detected: a kinked target at gamma = 1/4 has Var ~ d^(1/2) (here
    # eps = 1/3 .. 1/6, where the O(eps) correction to Var(dh_1)/eps^2 steepens it further)
    wrong = measure_sigma0(P.laplace(), 0.25, 1.0, dims=(100, 1000), seed=10)
    assert wrong.residual_exponent.value - 0.5 > -4 * wrong.residual_exponent.se
    assert not wrong.stable
    gauss = measure_sigma0(P.gaussian(), 0.25, 1.0, seed=7)
    last = gauss.points[-1]
    _, var1 = gaussian_dh_moments(last["eps"], last["n_steps"])
    exact = last["d"] * var1 / last["l_eff"] ** 4
    assert within(gauss.sigma0, exact), (str(gauss.sigma0), exact)
    # the eps -> 0 limit Var(dh_1)/eps^4 of the closed form (eps = 1e-4) against the
    # extrapolation of the measured Sigma_0(d) in eps^2
    _, var_small = gaussian_dh_moments(1e-4, 10_000)
    assert within(gauss.extrapolated, var_small / 1e-16), (str(gauss.extrapolated), var_small / 1e-16)
    assert within(lap.extrapolated, LAPLACE_SIGMA0), str(lap.extrapolated)
    json.dumps(gauss.as_dict())


def test_l_curve_acceptance_decreases_and_variance_scales_as_l_squared():
    curve = l_curve(P.laplace(), 1000, 0.5, 1.0, ls=(0.5, 1.0, 2.0), seed=8)
    acc = [a.value for a in curve.acceptance]
    assert acc[0] > acc[1] > acc[2]
    # kinked: Var(dH) = Sigma_0 l^2 up to O(eps) corrections (eps <= 0.063 here)
    ratios = [v.value / l ** 2 for v, l in zip(curve.var_dH, curve.l)]
    ses = [v.se / l ** 2 for v, l in zip(curve.var_dH, curve.l)]
    assert abs(ratios[0] - ratios[2]) <= 4 * math.hypot(ses[0], ses[2])


def test_sweep_is_serialisable_and_reproducible():
    kwargs = dict(gammas=(0.5,), dims=(10, 100), seed=9)
    a = acceptance_sweep(P.laplace(), jobs=1, **kwargs)
    b = acceptance_sweep(P.laplace(), jobs=2, **kwargs)
    assert json.dumps(a.as_dict()) == json.dumps(b.as_dict())
    assert [p.d for p in a.points["0.5"]] == [10, 100]


def test_non_finite_gradient_is_reported():
    bad = P.CallablePotential(lambda x: 0.5 * x * x, lambda x: np.where(np.abs(x) < 2.5, x, np.nan))
    with np.errstate(invalid="ignore"), pytest.raises(ValueError, match="non-finite"):
        energy_error_point(bad, 100, eps=0.1, n_steps=5, n_proposals=50, seed=0)


@pytest.mark.parametrize("call, match", [
    (lambda: energy_error_point(P.laplace(), 100, eps=0.0, n_steps=3), "eps"),
    (lambda: energy_error_point(P.laplace(), 100, eps=-0.1, n_steps=3), "eps"),
    (lambda: energy_error_point(P.laplace(), 0, eps=0.1, n_steps=3), "d must be"),
    (lambda: energy_error_point(P.laplace(), 10), "either eps"),
    (lambda: acceptance_sweep(P.laplace(), budget="medium"), "budget"),
    (lambda: acceptance_sweep(P.laplace(), gammas=(0.0,)), "gamma"),
    (lambda: acceptance_sweep(P.laplace(), dims=(0, 10)), "d must be"),
    (lambda: measure_sigma0(P.laplace(), 1.5), "gamma"),
    (lambda: measure_sigma0(P.laplace(), 0.5, T=float("nan")), "T"),
    (lambda: l_curve(P.laplace(), 100, ls=(1.0, -1.0)), "l must"),
    (lambda: variance_exponent_in_eps(P.laplace(), eps_grid=(0.1, 0.2)), "at least 3"),
])
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()
