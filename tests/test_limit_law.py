"""The 1D limit-law measurement (numerics/limit_law.py): its Gaussian-law acceptance and optimum are
theory's for r = 1/2, its moments are the exact ones where they are known, and its extrapolated
exponent, ratio and optimum hold within 4 SE + the Richardson bound."""
import math

import numpy as np
import pytest

from relu_hmc.numerics import limit_law as ll
from relu_hmc.theory.acceptance import acceptance_limit
from relu_hmc.theory.tuning import optimal_acceptance


@pytest.mark.parametrize("s2", [1e-4, 0.3, 1.0, 4.0, 25.0])
def test_acceptance_of_the_mean_half_variance_law_is_two_phi(s2):
    assert float(ll.gaussian_limit_acceptance(s2 / 2, s2)) == pytest.approx(float(acceptance_limit(s2)), rel=1e-10)


@pytest.mark.parametrize("k, m", [(1, 1), (2, 1), (1, 2), (3, 2), (1.5, 2)])
def test_optimum_of_the_measured_law_with_p_2k_and_r_half_is_the_solvers(k, m):
    assert ll.gaussian_optimum(2 * k, 0.5, m) == pytest.approx(float(optimal_acceptance(k, m)), abs=1e-7)


def test_rwm_gaussian_moments_are_the_exact_cumulants():
    """dh = s x Z + s^2 Z^2 / 2: kappa_1 = s^2/2, kappa_2 = s^2 + s^4/2 (x, Z iid N(0, 1))."""
    steps = np.array([0.4, 0.2, 0.1])
    ladder = ll.coordinate_ladder("gaussian", "rwm", steps, 200_000, seed=11)
    groups = {k: np.asarray(ladder[k]) for k in ("count", "s1", "s2", "cv", "exits")}
    mom = ll._moments({k: v.sum(axis=0) for k, v in groups.items()})
    per_group = [ll._moments({k: v[g] for k, v in groups.items()}) for g in range(ladder["n_groups"])]
    for key, exact in (("k1", steps ** 2 / 2), ("k2", steps ** 2 + steps ** 4 / 2)):
        se = np.std([pg[key] for pg in per_group], axis=0, ddof=1) / math.sqrt(ladder["n_groups"])
        assert np.all(np.abs(mom[key] - exact) <= 4 * se + 1e-12), (key, mom[key], exact, se)


def test_rwm_gaussian_limit_law_has_exponent_two_ratio_half_and_the_rgg_optimum():
    law = ll.measure_limit_law("gaussian", "rwm", [0.4, 0.2, 0.1, 0.05], 200_000, seed=3, m=2, gamma=0.5,
                               slope_powers=[2], ratio_powers=[2], level_powers=[2], l_values=[2.4])
    for key, expected in (("p", 2.0), ("r", 0.5), ("optimum", float(optimal_acceptance(1, 2))), ("sigma", 1.0)):
        est = law[key]
        assert abs(est["value"] - expected) <= 4 * est["se"] + est["bound"], (key, est)
    point = law["acceptance"][0]
    assert abs(point["value"] - float(acceptance_limit(2.4 ** 2))) <= 4 * point["se"] + point["bound"]


def test_walls_optimum_is_e_to_the_minus_m_over_p():
    law = ll.measure_limit_law("uniform", "rwm", [0.16, 0.08, 0.04], 200_000, seed=2, m=2, gamma=1.0)
    assert law["kind"] == "walls"
    assert law["optimum"]["value"] == pytest.approx(math.exp(-2 / law["p"]["value"]), rel=1e-12)
    # P(exit) = s E|Z| = s sqrt(2/pi) up to exponentially small terms: rate sqrt(2/pi)
    rate = law["rate"]
    assert abs(rate["value"] - math.sqrt(2 / math.pi)) <= 4 * rate["se"] + rate["bound"]


def test_same_seed_same_numbers():
    a = ll.coordinate_ladder("laplace", "hmc", [0.25, 0.125, 0.0625], 20_000, seed=7, n_steps=[4, 8, 16])
    b = ll.coordinate_ladder("laplace", "hmc", [0.25, 0.125, 0.0625], 20_000, seed=7, n_steps=[4, 8, 16])
    assert a == b


@pytest.mark.parametrize("steps, kwargs, message", [
    ([0.1, 0.2, 0.4], {}, "decreasing"),
    ([0.4, 0.2], {}, "at least 3"),
    ([0.4, 0.2, 0.1], {"n_steps": [1, 2]}, "one entry per step"),
])
def test_bad_ladders_are_refused_in_one_line(steps, kwargs, message):
    with pytest.raises(ValueError, match=message):
        ll.coordinate_ladder("gaussian", "rwm", steps, 1000, seed=0, **kwargs)
