"""Theory and numerics agree on kinks, on generated kinked potentials (issue 7).

- the exact symbolic energy error of a crossing step (theory.kink) is the kernel's number;
- the fitted empirical orders (numerics.orders) contain the symbolic orders (theory.smooth,
  theory.kink) within their bootstrap intervals widened by the grid's measured truncation;
- theory's Sigma_0 (theory.acceptance.sigma0_kinked) is the measured variance of dH per unit
  d eps^2 on generated kinked product targets.
"""
from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import strategies as S
from relu_hmc.numerics.hmc import stationary_energy_errors
from relu_hmc.numerics.leapfrog import leapfrog_trajectory
from relu_hmc.numerics.orders import local_error_orders
from relu_hmc.numerics.estimators import variance_estimate
from relu_hmc.theory.acceptance import sigma0_kinked
from relu_hmc.theory.kink import Q, crossing_step_energy_error, leading_crossing_term
from relu_hmc.theory.smooth import local_error_series


def piece_expressions(potential: S.GeneratedPotential) -> list[sp.Expr]:
    """The SymPy expression of each piece of a generated piecewise potential, in theory's q."""
    return [expr.subs(S.q, Q) for expr, _ in potential.expr.args]


def exact_pieces(potential: S.GeneratedPotential) -> tuple[list[sp.Expr], list[sp.Rational]]:
    """The pieces with the generated floats turned into exact rationals and the continuity
    offsets solved exactly, so that a symbolic series has no round-off term at eps^0."""
    n = potential.numeric.kinks.size + 1
    curvatures, slopes = (potential.numeric.params[i * n:(i + 1) * n] for i in range(2))
    kinks = [sp.Rational(b) for b in potential.numeric.kinks]
    pieces = [sp.Rational(curvatures[0]) * Q ** 2 / 2 + sp.Rational(slopes[0]) * Q]
    for i, b in enumerate(kinks):
        shape = sp.Rational(curvatures[i + 1]) * Q ** 2 / 2 + sp.Rational(slopes[i + 1]) * Q
        pieces.append(shape + (pieces[i] - shape).subs(Q, b))
    return pieces, kinks


@settings(max_examples=40, suppress_health_check=[HealthCheck.filter_too_much])
@given(data=st.data(), potential=S.kinked_potentials(), eps=S.step_sizes(0.005, 0.05))
def test_symbolic_crossing_step_energy_error_equals_the_kernel(data, potential, eps):
    """relu_hmc.theory.kink's exact dH of a crossing step = the kernel's dH (1e-12 relative, plus the
    few ulps of |H| that any float energy difference carries)."""
    q0, p0, kink, _ = data.draw(S.crossing_states(potential, eps), label="crossing state")
    step = leapfrog_trajectory(potential.numeric, np.array([[q0]]), np.array([[p0]]), eps, 1)
    i = int(np.searchsorted(potential.kinks, kink))  # kink index: pieces i and i + 1 meet there
    # keep the states whose step really crosses exactly this one kink (the half kick can stop it)
    assume(int(step.crossings[0]) == 1 and (step.q[0, 0] - kink) * (q0 - kink) < 0)
    pieces = piece_expressions(potential)
    start_piece, end_piece = (pieces[i], pieces[i + 1]) if p0 > 0 else (pieces[i + 1], pieces[i])
    exact = crossing_step_energy_error(start_piece, end_piece)
    with mpmath.workdps(40):  # the symbolic value at the float inputs, without round-off
        exact_value = float(sp.N(exact.subs({Q: sp.Float(q0, 40), sp.Symbol("p", real=True): sp.Float(p0, 40),
                                             sp.Symbol("epsilon", positive=True): sp.Float(eps, 40)}), 40))
    energy_scale = abs(float(potential.numeric.u(np.array([q0]))[0])) + p0 * p0 / 2
    tolerance = 1e-12 * abs(exact_value) + 8 * np.spacing(energy_scale + 1.0)
    assert abs(float(step.energy_error[0]) - exact_value) <= tolerance


@settings(max_examples=6)
@given(potential=S.kinked_potentials(max_kinks=2), seed=st.integers(0, 2 ** 20))
def test_fitted_crossing_order_contains_the_symbolic_order(potential, seed):
    """Crossing steps: theory.kink says dH = c eps^1 + ...; the fitted slope's bootstrap
    interval, widened by its measured truncation slack and that slack's SE, contains 1."""
    pieces, kinks = exact_pieces(potential)
    orders = {leading_crossing_term(pieces[i], pieces[i + 1], b)[0] for i, b in enumerate(kinks)}
    assert orders == {1}
    fit = local_error_orders(potential.numeric, kind="crossing", budget="quick", seed=seed).H
    allowance = fit.truncation_slack + fit.truncation_slack_se
    assert fit.order.lo - allowance <= 1 <= fit.order.hi + allowance, fit.as_dict()


@settings(max_examples=6)
@given(potential=S.kinked_potentials(max_kinks=2), seed=st.integers(0, 2 ** 20))
def test_fitted_order_of_steps_that_cross_nothing_is_the_smooth_order(potential, seed):
    """Steps that cross no kink see a smooth (polynomial) potential: order 3 (theory.smooth)."""
    assert local_error_series(None, 3).energy_order == 3
    fit = local_error_orders(potential.numeric, kind="noncrossing", budget="quick", seed=seed).H
    if fit.mean_abs[-1].value < 1e-14:  # linear pieces: leapfrog is exact between kinks
        return
    allowance = fit.truncation_slack + fit.truncation_slack_se
    assert fit.order.lo - allowance <= 3 <= fit.order.hi + allowance, fit.as_dict()


@pytest.mark.slow
@settings(max_examples=4, deadline=None)
@given(potential=S.kinked_potentials(max_kinks=2, quadratic=False), seed=st.integers(0, 2 ** 20))
def test_kinked_sigma0_matches_measured_energy_error_variance(potential, seed):
    """Var(dH) / (d eps^2) -> Sigma_0 = T sum_b J_b^2 pi(b) E|p|^3 / 12 as eps = l d^(-1/2) -> 0.

    Measured at eps and eps/2 (d and 4d); the O(eps) finite-step bias is removed by
    Richardson extrapolation 2 V(eps/2) - V(eps), whose standard error (from the two
    independent variance estimates) sets the tolerance: 4 SE.
    """
    T = 1.0
    predicted = sigma0_kinked(potential.expr, T)
    estimates = []
    for d in (100, 400):
        eps = d ** -0.5
        sample = stationary_energy_errors(potential.numeric, d, eps, int(round(T / eps)), 4000, seed + d)
        v = variance_estimate(sample.energy_error)
        estimates.append((v.value / (d * eps * eps), v.se / (d * eps * eps)))
    (v1, s1), (v2, s2) = estimates
    extrapolated, se = 2 * v2 - v1, math.hypot(2 * s2, s1)
    assert abs(extrapolated - predicted) <= 4 * se, (predicted, estimates, extrapolated, se)
