"""Sigma_0 as the eps -> 0 limit of the 1D Var(dH)/eps^2k (numerics.sigma0_limit), and the
cost-normalised optimum's argmax estimator (numerics.cost_optimum)."""
import json
import math

import numpy as np
import pytest
from scipy.stats import norm

from relu_hmc.numerics import potentials as P
from relu_hmc.numerics.cost_optimum import argmax_acceptance, cost_normalised_optimum
from relu_hmc.numerics.sigma0_limit import sigma0_limit


def test_gaussian_sigma0_limit_is_sin2_T_over_16_within_its_tolerance():
    """sin^2(T)/16 (Beskos et al. 2013; theory.acceptance.gaussian_sigma0), written out here."""
    result = sigma0_limit(P.gaussian(), power=4, steps=[8, 16, 32], remainder_powers=[2], n=40_000, seed=3,
                          n_batches=16)
    assert abs(result.limit.value - math.sin(1.0) ** 2 / 16) <= 4 * result.limit.se + result.bound
    assert result.limit.value == pytest.approx(np.dot(result.weights, [e.value for e in result.per_eps]))
    assert len(result.per_eps) == 3 and result.limit.se > 0


def test_sigma0_limit_is_reproducible_and_refuses_too_few_draws():
    a = sigma0_limit(P.laplace(), power=2, steps=[4, 8], remainder_powers=[2], n=2000, seed=1, n_batches=8)
    b = sigma0_limit(P.laplace(), power=2, steps=[4, 8], remainder_powers=[2], n=2000, seed=1, n_batches=8)
    assert json.dumps(a.as_dict()) == json.dumps(b.as_dict())
    with pytest.raises(ValueError, match="too few"):
        sigma0_limit(P.laplace(), power=2, steps=[4, 8], remainder_powers=[2], n=10, seed=1)


@pytest.mark.parametrize("k, optimum", [(1, 0.45217643960321346), (2, 0.6512597509277787)])
def test_spline_argmax_recovers_the_limit_optimum_of_l_a_l(k, optimum):
    """On the exact limit curve a(l) = 2 Phi(-c l^k / 2) and an 8-point grid around the optimum,
    the spline argmax of l a(l) is within 0.003 of theory.tuning's optimum (quoted above)."""
    ls = np.geomspace(1.3, 4.5, 8) if k == 1 else np.geomspace(1.3, 3.2, 8)
    a = 2 * norm.cdf(-{1: 0.25, 2: 0.125}[k] * ls ** k)  # x = sqrt(Sigma)/2, optimum mid-grid
    a_star, l_star, edge = argmax_acceptance(ls, a)
    assert a_star == pytest.approx(optimum, abs=3e-3) and not edge


def test_cost_normalised_optimum_reports_paired_acceptances_and_an_se():
    result = cost_normalised_optimum(P.laplace(), d=25, gamma=0.5, T=1.0, steps=[2, 3, 4, 5, 6], n=400, seed=2,
                                     n_boot=50)
    acc = [e.value for e in result.acceptance]
    assert acc == sorted(acc) and result.optimum.se > 0 and len(result.l) == 5


def test_sobol_starts_are_stationary_and_give_the_same_limit_as_random_starts():
    """Scrambled Sobol starts through the inverse CDFs are draws from pi x N(0, 1): the power
    family's |q|^alpha has mean 1/alpha (Gamma(1/alpha)), p has variance 1; and the Hoelder
    ladder's limit from Sobol starts agrees with the one from random starts within their errors."""
    from relu_hmc.numerics.sigma0_limit import _sobol_starts

    potential = P.power(1.5)
    q, p = _sobol_starts(potential, 1 << 14, np.random.default_rng(0))
    assert np.mean(np.abs(q) ** 1.5) == pytest.approx(1 / 1.5, abs=2e-3) and np.var(p) == pytest.approx(1, abs=2e-3)
    kwargs = dict(power=3, steps=[4, 16], remainder_powers=[1], n=1 << 15, n_batches=8)
    sobol = sigma0_limit(potential, starts="sobol", seed=1, **kwargs)
    random = sigma0_limit(potential, starts="random", seed=1, **kwargs)
    assert sobol.starts == "sobol" and random.starts == "random"
    assert abs(sobol.limit.value - random.limit.value) <= 4 * math.hypot(sobol.limit.se, random.limit.se)


def test_sobol_starts_refuse_what_they_cannot_draw():
    with pytest.raises(ValueError, match="power of 2"):
        sigma0_limit(P.power(1.5), power=3, steps=[4, 8], remainder_powers=[1], n=3000, n_batches=8, starts="sobol")
    with pytest.raises(ValueError, match="power family"):
        sigma0_limit(P.laplace(), power=2, steps=[4, 8], remainder_powers=[2], n=1 << 12, n_batches=8, starts="sobol")
    with pytest.raises(ValueError, match="starts must be"):
        sigma0_limit(P.laplace(), power=2, steps=[4, 8], remainder_powers=[2], n=1 << 12, starts="halton")
