"""theory.gaussian_efficiency: the closed-form acceptance moments of a normal energy error and
the finite-d ESJD table of HMC on N(0, I_d)."""
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import integrate
from scipy.stats import norm

from relu_hmc.theory.gaussian_efficiency import gaussian_esjd_table, normal_acceptance_moments


@given(mu=st.floats(-2.0, 3.0), var=st.floats(0.05, 4.0))
def test_acceptance_moments_match_quadrature(mu, var):
    """E min(1, e^-X) and E a'(X) (a' = -e^-x for x > 0, 0 below) for X ~ N(mu, var), by quad."""
    s = math.sqrt(var)
    density = norm(mu, s).pdf
    mean_a = (integrate.quad(density, -math.inf, 0.0)[0]
              + integrate.quad(lambda x: math.exp(-x) * density(x), 0.0, math.inf)[0])
    mean_da = -integrate.quad(lambda x: math.exp(-x) * density(x), 0.0, math.inf)[0]
    a, da = normal_acceptance_moments(mu, var)
    assert a == pytest.approx(mean_a, rel=1e-7, abs=1e-10)
    assert da == pytest.approx(mean_da, rel=1e-7, abs=1e-10)


@given(var=st.floats(0.01, 9.0))
def test_acceptance_on_the_limit_law_is_two_phi(var):
    """dH ~ N(Sigma/2, Sigma) (the high-dimensional limit, E e^-dH = 1): a = 2 Phi(-sqrt(Sigma)/2)."""
    a, _ = normal_acceptance_moments(var / 2, var)
    assert a == pytest.approx(2 * norm.cdf(-math.sqrt(var) / 2), rel=1e-12)


def test_esjd_optimum_moves_towards_the_asymptotic_0651_as_d_grows():
    """The argmax over n_steps of ESJD per gradient, as an acceptance: finite-d optima lie on one
    side of 0.651 and approach it (the O(d^-1/2) shift of the module docstring)."""
    table = gaussian_esjd_table([100, 1600, 25600], T=2.5 * math.pi, max_steps=200)
    best = [max(rows, key=lambda r: r["esjd_per_grad"])["acceptance"] for rows in table["table"].values()]
    target = table["optimal_acceptance"]
    assert target == pytest.approx(0.6512, abs=1e-4)
    gaps = [abs(b - target) for b in best]
    assert gaps[0] > gaps[1] > gaps[2]
