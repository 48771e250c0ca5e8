"""relu_hmc.theory.acceptance: limit acceptance, exact Gaussian dH moments, Sigma_0 for smooth/kinked."""
import math

import mpmath
import numpy as np
import pytest
import sympy as sp

from relu_hmc.theory.acceptance import (
    acceptance_limit, gaussian_energy_error_moments, gaussian_energy_error_moments_symbolic,
    gaussian_sigma0, sigma0_kinked, sigma0_smooth,
)
from relu_hmc.theory.errors import PotentialError
from relu_hmc.theory.parse import Q


def test_acceptance_limit():
    assert acceptance_limit(0) == 1
    assert math.isclose(float(acceptance_limit(1)), 2 * 0.5 * math.erfc(0.5 / math.sqrt(2)), rel_tol=1e-14)
    with pytest.raises(ValueError):
        acceptance_limit(-1)


@pytest.mark.parametrize("eps, L, sigma", [(0.1, 10, 1.0), (0.3, 7, 2.0), (0.05, 40, 0.7)])
def test_gaussian_moments_against_numpy_matrix_power(eps, L, sigma):
    """Independent check: numpy matrix power and the quadratic-form trace identities."""
    M = np.array([[1 - eps**2 / (2 * sigma**2), eps], [-(eps / sigma**2) * (1 - eps**2 / (4 * sigma**2)), 1 - eps**2 / (2 * sigma**2)]])
    ML = np.linalg.matrix_power(M, L)
    A, C = np.diag([1 / sigma**2, 1.0]), np.diag([sigma**2, 1.0])
    B = ML.T @ A @ ML - A
    r = gaussian_energy_error_moments(eps, L, sigma)
    # numpy works in double precision: B's O(1e-4) entries cancel to a mean of O(1e-7), so the
    # float reference itself carries ~1e-8 relative error; 1e-6 is above that, far below O(eps^2).
    assert math.isclose(float(r["mean"]), np.trace(B @ C) / 2, rel_tol=1e-6)
    assert math.isclose(float(r["variance"]), np.trace(B @ C @ B @ C) / 2, rel_tol=1e-6)


def test_gaussian_exact_moments_approach_leading_terms_and_mean_is_half_variance():
    ratios = []
    for L in (100, 1000):
        r = gaussian_energy_error_moments(1.0 / L, L)
        ratios.append(r["variance"] / r["leading_variance"] - 1)
        assert abs(r["mean"] / r["leading_mean"] - 1) < 5e-4 * (100 / L) ** 2
    assert abs(ratios[1]) < abs(ratios[0]) / 50  # O(eps^2) relative correction


def test_gaussian_symbolic_moments_match_numeric():
    mean, var = gaussian_energy_error_moments_symbolic(3)
    eps = sp.Symbol("epsilon", positive=True)
    r = gaussian_energy_error_moments(0.2, 3)
    assert math.isclose(float(mean.subs(eps, sp.Rational(1, 5))), float(r["mean"]), rel_tol=1e-12)
    assert math.isclose(float(var.subs(eps, sp.Rational(1, 5))), float(r["variance"]), rel_tol=1e-12)


def test_gaussian_sigma0_closed_form():
    T, s = sp.symbols("T sigma", positive=True)
    assert sp.simplify(gaussian_sigma0(T, s) - sp.sin(T / s) ** 2 / (16 * s**4)) == 0


def test_sigma0_smooth_reproduces_gaussian_exact_T_dependence():
    for T in (1.0, 2.5):
        assert math.isclose(sigma0_smooth(Q**2 / 2, T), math.sin(T) ** 2 / 16, rel_tol=1e-6)


def test_sigma0_kinked_laplace():
    """U = |q|: J = 2, pi(0) = 1/2, E|p|^3 = 2 sqrt(2/pi): Sigma_0 = T * 4 * 1/2 * 2 sqrt(2/pi)/12."""
    assert math.isclose(sigma0_kinked(sp.Abs(Q), 1.5), 1.5 * 4 * 0.5 * 2 * math.sqrt(2 / math.pi) / 12, rel_tol=1e-12)


def test_sigma0_smooth_refuses_kinks():
    with pytest.raises(PotentialError):
        sigma0_smooth(sp.Abs(Q), 1.0)
    assert mpmath.mpf(1)


def _leapfrog_dH_moments(U, force, eps, T, q_nodes, q_weights, p_count=30):
    """Independent numeric check (tests only): E[dH], E[dH^2] over pi(q) phi(p) by a fixed
    quadrature rule in q (given) and Gauss-Hermite in p, leapfrog vectorised with numpy."""
    hp, hw = np.polynomial.hermite_e.hermegauss(p_count)
    hw = hw / hw.sum()
    Q0, P0 = np.meshgrid(q_nodes, hp, indexing="ij")
    W = np.outer(q_weights / q_weights.sum(), hw)
    q, p = Q0.copy(), P0.copy()
    g = force(q)
    for _ in range(int(round(T / eps))):
        p -= eps / 2 * g
        q += eps * p
        g = force(q)
        p -= eps / 2 * g
    dH = U(q) + p**2 / 2 - U(Q0) - P0**2 / 2
    return (W * dH).sum(), (W * dH**2).sum()


def test_sigma0_smooth_quartic_against_leapfrog_quadrature():
    """U = q^4/4, T = 1: E[dH^2]/eps^4 -> Sigma_0 with O(eps^2) relative error (measured
    4.8e-3 at eps = 0.04, 1.2e-3 at 0.02), and E[dH]/eps^4 -> Sigma_0/2."""
    sigma0 = sigma0_smooth(Q**4 / 4, 1.0)
    x, w = np.polynomial.legendre.leggauss(120)
    q_nodes = 4.5 * x
    q_weights = w * np.exp(-(q_nodes**4) / 4)
    errors = []
    for eps in (0.04, 0.02):
        mean, second = _leapfrog_dH_moments(lambda q: q**4 / 4, lambda q: q**3, eps, 1.0, q_nodes, q_weights, 40)
        errors.append(second / eps**4 / sigma0 - 1)
        assert abs(mean / eps**4 / (sigma0 / 2) - 1) < 5 * eps**2
    assert abs(errors[1]) < 2e-3
    assert 3 < errors[0] / errors[1] < 5  # second-order convergence


def test_sigma0_kinked_laplace_against_leapfrog_quadrature():
    """U = |q|, T = 1, eps = 0.01: E[dH^2]/eps^2 -> T J^2 pi(0) E|p|^3/12 (measured 1e-4
    relative; 1e-2 allows the O(eps) corrections). E[dH] is not asserted: it is a cancellation
    of O(eps) phase terms to O(eps^2), which a fixed q-grid aliases."""
    sigma0 = sigma0_kinked(sp.Abs(Q), 1.0)
    h = 0.0007
    q_nodes = np.arange(-20 + h / 2, 20, h)
    _, second = _leapfrog_dH_moments(np.abs, np.sign, 0.01, 1.0, q_nodes, np.exp(-np.abs(q_nodes)))
    assert abs(second / 0.01**2 / sigma0 - 1) < 1e-2


def test_sigma0_kinked_accepts_user_text_through_the_whitelist_parser():
    from relu_hmc.theory.acceptance import sigma0_kinked

    assert sigma0_kinked("Abs(q)") == pytest.approx(4 * 0.5 * 2 * math.sqrt(2 / math.pi) / 12, rel=1e-12)
    with pytest.raises(ValueError, match="__import__"):
        sigma0_kinked("__import__('os')")
