"""relu_hmc.theory.smooth: leapfrog vs exact flow, local errors O(eps^3) with exact leading coefficients."""
import math

import sympy as sp

from relu_hmc.theory.smooth import (
    EPS,
    energy_error_leading_coefficient,
    exact_flow_series,
    generic_potential,
    leapfrog_step_series,
    local_error_series,
)

U, (q,), (p,) = generic_potential(1)
U1, U2, U3 = (sp.diff(U, q, k) for k in (1, 2, 3))


def test_one_dimensional_leading_orders_and_coefficients():
    r = local_error_series(order=4)
    assert (r.q_order, r.p_order, r.energy_order) == (3, 3, 3)
    assert sp.simplify(r.q_coefficient[0] - p * U2 / 6) == 0
    assert sp.simplify(r.p_coefficient[0] - (U1 * U2 - p**2 * U3) / 12) == 0
    assert sp.simplify(r.energy_coefficient - (p * U1 * U2 / 4 - p**3 * U3 / 12)) == 0


def test_energy_coefficient_is_minus_lie_derivative_of_shadow_term():
    """C = -L S with S = p^2 U''/12 - U'^2/24 (consistency of smooth and shadow results)."""
    S = p**2 * U2 / 12 - U1**2 / 24
    LS = p * sp.diff(S, q) - U1 * sp.diff(S, p)
    assert sp.simplify(energy_error_leading_coefficient() + LS) == 0


def test_leapfrog_series_matches_exact_map_for_harmonic_oscillator():
    """For U = q^2/2 the leapfrog map is a polynomial in eps: the series is exact."""
    qs, ps = leapfrog_step_series(q**2 / 2, order=3)
    assert sp.expand(qs[0] - ((1 - EPS**2 / 2) * q + EPS * p)) == 0
    assert sp.expand(ps[0] - ((1 - EPS**2 / 2) * p - EPS * (1 - EPS**2 / 4) * q)) == 0


def test_exact_flow_series_is_taylor_series_of_rotation():
    qs, ps = exact_flow_series(q**2 / 2, order=6)
    t = EPS
    assert sp.expand(qs[0] - sp.series(q * sp.cos(t) + p * sp.sin(t), t, 0, 7).removeO()) == 0
    assert sp.expand(ps[0] - sp.series(p * sp.cos(t) - q * sp.sin(t), t, 0, 7).removeO()) == 0


def test_numeric_one_step_energy_error_over_eps_cubed_converges_to_coefficient():
    """Independent check: plain-float leapfrog on U = q^4/4 from (0.7, 1.3)."""
    Uc = q**4 / 4
    C = float(energy_error_leading_coefficient(Uc).subs({q: 0.7, p: 1.3}))
    f = lambda x: x**3  # noqa: E731
    H = lambda x, y: x**4 / 4 + y * y / 2  # noqa: E731
    ratios = []
    for eps in (1e-2, 5e-3, 2.5e-3):
        ph = 1.3 - eps / 2 * f(0.7)
        q1 = 0.7 + eps * ph
        p1 = ph - eps / 2 * f(q1)
        ratios.append((H(q1, p1) - H(0.7, 1.3)) / eps**3)
    # error of the ratio is O(eps): halves with eps
    errors = [abs(r - C) for r in ratios]
    assert errors[2] < 0.6 * errors[1] < 0.36 * errors[0]
    assert math.isclose(ratios[-1], C, rel_tol=2e-2)


def test_two_dimensional_generic_potential():
    U2d, qs, ps = generic_potential(2)
    r = local_error_series(U2d, 3, qs, ps)
    assert (r.q_order, r.p_order, r.energy_order) == (3, 3, 3)
    # energy coefficient: grad U^T U'' p / 4 - D^3U[p, p, p] / 12
    grad = [sp.diff(U2d, x) for x in qs]
    hess_p = [sum(sp.diff(U2d, x, y) * py for y, py in zip(qs, ps)) for x in qs]
    third = sum(
        sp.diff(U2d, a, b, c) * pa * pb * pc
        for a, pa in zip(qs, ps)
        for b, pb in zip(qs, ps)
        for c, pc in zip(qs, ps)
    )
    expected = sum(g * h for g, h in zip(grad, hess_p)) / 4 - third / 12
    assert sp.simplify(r.energy_coefficient - expected) == 0
    assert sp.simplify(r.q_coefficient[0] - hess_p[0] / 6) == 0
