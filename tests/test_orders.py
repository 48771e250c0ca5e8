"""Error orders of leapfrog measured against exact flows (numerics.orders, numerics.reference).

Order assertions are interval containments: the nominal order must lie in the 95% paired
bootstrap interval widened by `truncation_slack` + its SE, the data-derived bound on the bias that the
eps grid's finite size puts into a log-log slope (numerics.orders.fit_order explains it: the
local slope k + j a eps^j drifts across the grid, and the drift between the coarse and the
fine half bounds the bias of the full-grid slope). The slack itself is asserted small
(< 0.1), so a wrong order cannot hide in it.
"""
import math

import numpy as np
import pytest

from relu_hmc.numerics import potentials as P
from relu_hmc.numerics.orders import global_energy_order, local_error_orders
from relu_hmc.numerics.reference import exact_flow, mpmath_flow, piecewise_quadratic_flow

MAX_SLACK = 0.1


def assert_order(fit, expected):
    allowance = fit.truncation_slack + fit.truncation_slack_se  # the bound plus its own error
    assert allowance < MAX_SLACK, (fit.quantity, fit.truncation_slack, fit.truncation_slack_se)
    lo, hi = fit.order.lo - allowance, fit.order.hi + allowance
    assert lo <= expected <= hi, (fit.quantity, str(fit.order), allowance)
    assert fit.nominal == expected


def test_smooth_local_order_3_and_harmonic_coefficients():
    r = local_error_orders(P.gaussian(), seed=1)
    for fit in (r.q, r.p, r.H):
        assert_order(fit, 3)
    # Harmonic oscillator, one leapfrog step vs cos/sin: q error = p eps^3/6, p error =
    # q eps^3/12, dH = -p q eps^3/4 at leading order (Taylor expansion of both maps). On the
    # same states the Richardson coefficient must match the sample means of the closed form
    # within its own SE ...
    q0, p0 = r.raw["q0"][0], r.raw["p0"][0]
    for fit, closed in ((r.q, np.abs(p0) / 6), (r.p, np.abs(q0) / 12), (r.H, np.abs(p0 * q0) / 4)):
        assert abs(fit.coefficient.value - closed.mean()) < 4 * fit.coefficient.se / 10
    # ... and the population values E|p|/6, E|q|/12, E|pq|/4 within 4 SE.
    for fit, exact in ((r.q, math.sqrt(2 / math.pi) / 6), (r.p, math.sqrt(2 / math.pi) / 12),
                       (r.H, 2 / math.pi / 4)):
        assert abs(fit.coefficient.value - exact) < 4 * fit.coefficient.se


def test_crossing_steps_order_1_in_energy_and_momentum():
    r = local_error_orders(P.laplace(), seed=2)
    assert r.kind == "crossing" and r.reference == "analytic"
    assert_order(r.H, 1)
    assert_order(r.p, 1)
    assert_order(r.q, 2)
    # dH = J eps |p_h| (1/2 - theta) exactly for Laplace (the eps^2 term J(g- + g+)/8 vanishes)
    raw = r.raw
    eps = np.array(r.eps)[:, None]
    expected = 2.0 * eps * np.abs(raw["p_half"])[None, :] * (0.5 - raw["theta"][None, :])
    np.testing.assert_allclose(raw["H_error"], expected, rtol=1e-9, atol=1e-13)
    # E|dH|/eps -> |J| E|p| E|1/2 - theta| = 2 sqrt(2/pi)/4
    assert abs(r.H.coefficient.value - math.sqrt(2 / math.pi) / 2) < 4 * r.H.coefficient.se


def test_kinked_potential_crossing_and_noncrossing_steps():
    pot = P.piecewise_quadratic([0.0], [1.0, 1.0], [-1.0, 1.0])  # gaussian + |x|: curvature and a kink
    crossing = local_error_orders(pot, kind="crossing", seed=3)
    assert_order(crossing.H, 1)
    assert_order(crossing.p, 1)
    smooth_steps = local_error_orders(pot, kind="noncrossing", seed=4)
    assert smooth_steps.crossing_fraction == 0.0
    for fit in (smooth_steps.q, smooth_steps.p, smooth_steps.H):
        assert_order(fit, 3)


def test_global_energy_order_smooth_2_kinked_1():
    smooth = global_energy_order(P.gaussian(), T=1.0, seed=5)
    assert_order(smooth.H, 2)
    # 4000 states: the kinked dH is noisy, and the allowance carries the curvature's own SE
    kinked = global_energy_order(P.laplace(), T=1.0, seed=6, n_states=4000)
    assert_order(kinked.H, 1)
    assert min(kinked.crossings_mean) > 0.2


@pytest.mark.slow
def test_smooth_nonquadratic_order_3_with_mpmath_reference():
    # u'' = 1 + 3 q^2 reaches ~8 in the tails, so the grid stops at eps = 0.04 (eps sqrt(u'') < 0.12)
    r = local_error_orders(P.quartic(1.0, 1.0), seed=7, n_states=10, eps_grid=np.geomspace(0.005, 0.04, 4))
    assert r.reference == "mpmath-30"
    for fit in (r.q, r.p):
        assert_order(fit, 3)


def test_callable_potential_uses_rk4_reference():
    pot = P.CallablePotential(lambda x: np.log(np.cosh(x)), np.tanh)
    r = local_error_orders(pot, seed=8, n_states=200)
    assert r.reference == "rk4-float64"
    assert r.reference_error_bound < 1e-12  # far below the smallest mean error (~1e-7)
    for fit in (r.q, r.p, r.H):
        assert_order(fit, 3)


def test_piecewise_flow_is_exact():
    # energy conservation, time reversibility, and the closed form of a Laplace crossing
    pot = P.piecewise_quadratic([-0.5, 0.7], [1.0, 0.0, 2.0], [-1.0, 0.5, 1.0])
    rng = np.random.default_rng(0)
    q, p = pot.sample(rng, (300,)), rng.standard_normal(300)
    q1, p1, crossings = piecewise_quadratic_flow(pot.kinks, [1.0, 0.0, 2.0], [-1.0, 0.5, 1.0], q, p, 2.5)
    h0, h1 = pot.u(q) + p * p / 2, pot.u(q1) + p1 * p1 / 2
    assert np.max(np.abs(h1 - h0)) < 1e-12
    assert crossings.sum() > 50
    q2, p2, _ = piecewise_quadratic_flow(pot.kinks, [1.0, 0.0, 2.0], [-1.0, 0.5, 1.0], q1, -p1, 2.5)
    assert np.max(np.abs(q2 - q)) < 1e-10 and np.max(np.abs(-p2 - p)) < 1e-10
    # Laplace from q=-0.1, p=1: reaches 0 at t* with -0.1 + t + t^2/2 = 0, then decelerates
    t_star = -1 + math.sqrt(1 + 0.2)
    v_star = 1 + t_star
    t = 0.3
    flow = exact_flow(P.laplace(), np.array([-0.1]), np.array([1.0]), [t])
    s = t - t_star
    assert flow.q[0, 0] == pytest.approx(v_star * s - s * s / 2, abs=1e-14)
    assert flow.p[0, 0] == pytest.approx(v_star - s, abs=1e-14)


def test_mpmath_reference_matches_harmonic_closed_form():
    out = mpmath_flow(lambda x: x, 0.3, -1.2, [0.1, 0.7], dps=30)
    for row, t in zip(out, (0.1, 0.7)):
        assert row[0] == pytest.approx(0.3 * math.cos(t) - 1.2 * math.sin(t), abs=1e-15)
        assert row[1] == pytest.approx(-0.3 * math.sin(t) - 1.2 * math.cos(t), abs=1e-15)


@pytest.mark.parametrize("kwargs, match", [
    ({"eps_grid": [0.0, 0.1, 0.2]}, "eps"),
    ({"eps_grid": [0.1, 0.2]}, "at least 3"),
    ({"budget": "medium"}, "budget"),
    ({"kind": "sideways"}, "kind"),
    ({"n_states": 0}, "n_states"),
    ({"seed": -1}, "seed"),
])
def test_local_orders_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        local_error_orders(P.gaussian(), **kwargs)


def test_crossing_needs_piecewise_kinked_potential():
    with pytest.raises(ValueError, match="kink"):
        local_error_orders(P.gaussian(), kind="crossing")
    with pytest.raises(ValueError, match="smooth"):
        local_error_orders(P.laplace(), kind="smooth")
    with pytest.raises(ValueError):
        global_energy_order(P.gaussian(), T=-1.0)
    with pytest.raises(ValueError, match="budget"):
        global_energy_order(P.gaussian(), budget="huge")
