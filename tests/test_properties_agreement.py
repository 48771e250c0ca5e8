"""Theory and numerics agree, property by property, on generated potentials (issue 7).

Each test states a claim of the form "what theory/ predicts is what numerics/ measures"
and checks it on potentials drawn by tests/strategies.py. Tolerances are derived in the
test from the known structure of the error (Richardson remainders, Monte Carlo standard
errors), never chosen to make a case pass.
"""
from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import strategies as S
from relu_hmc.numerics import potentials as _potentials
from relu_hmc.numerics.estimators import richardson
from relu_hmc.numerics.leapfrog import leapfrog_trajectory
from relu_hmc.theory.shadow import shadow_hamiltonian
from relu_hmc.theory.smooth import energy_error_leading_coefficient, generic_potential

U_GENERIC, (Q_GENERIC,), (P_GENERIC,) = generic_potential(1)


def specialise(expr: sp.Expr, u_expr: sp.Expr) -> sp.Expr:
    """Replace the generic U(q) and its derivatives in `expr` by the concrete potential u_expr(q)."""
    u_at = u_expr.subs(S.q, Q_GENERIC)
    subs = [(sp.diff(U_GENERIC, Q_GENERIC, k), sp.diff(u_at, Q_GENERIC, k)) for k in range(8, 0, -1)]
    return expr.subs(subs + [(U_GENERIC, u_at)])


def to_numpy(expr: sp.Expr):
    return sp.lambdify((Q_GENERIC, P_GENERIC), expr, modules="numpy")


def one_step_energy_error(potential, q0: float, p0: float, eps: float) -> float:
    trajectory = leapfrog_trajectory(potential, np.array([[q0]]), np.array([[p0]]), eps, 1)
    return float(trajectory.energy_error[0])


@settings(max_examples=25)
@given(potential=S.smooth_potentials(), state=S.states(q_range=1.2, p_range=2.0))
def test_smooth_local_energy_error_leading_coefficient_matches_symbolic(potential, state):
    """(H(Psi_eps) - H) / eps^3 -> C(q, p) = p U' U''/4 - p^3 U'''/12 (theory.smooth)."""
    q0, p0 = state
    coefficient = to_numpy(specialise(energy_error_leading_coefficient(), potential.expr))(q0, p0)
    # E(h) = err(h)/h^3 = C + D h + F h^2 + O(h^3): Richardson eliminating h and h^2 on four
    # halvings; its bound is the eliminated h^2 term's size widened by that estimate's own error.
    h = 0.02 / 2.0 ** np.arange(4)
    scaled = np.array([one_step_energy_error(potential.numeric, q0, p0, e) / e ** 3 for e in h])
    extrapolated = richardson(h, scaled, [1, 2])
    # round-off: each energy difference carries ~4 ulps of the energy scale, divided by h^3 and
    # carried through the table with the weights of the extrapolation (|w| summed exactly)
    weights = richardson(h, np.eye(h.size), [1, 2]).value
    energy_scale = 1 + abs(float(potential.numeric.u(np.array([q0]))[0])) + p0 * p0
    roundoff = float(np.sum(np.abs(weights) * 4 * np.finfo(float).eps * energy_scale / h ** 3))
    tolerance = extrapolated.bound + roundoff
    assert abs(extrapolated.value - coefficient) <= tolerance, (scaled, coefficient, extrapolated)


def energy_drifts(potential, q0: float, p0: float, eps: float, T: float, hamiltonians):
    """max over a trajectory of |F(x_n) - F(x_0)| for each function F in `hamiltonians`."""
    q, p = np.array([[q0]]), np.array([[p0]])
    start = [F(q0, p0) for F in hamiltonians]
    drift = np.zeros(len(hamiltonians))
    for _ in range(int(round(T / eps))):
        end = leapfrog_trajectory(potential, q, p, eps, 1)
        q, p = end.q, end.p
        drift = np.maximum(drift, [abs(F(q[0, 0], p[0, 0]) - s) for F, s in zip(hamiltonians, start)])
    return drift


@settings(max_examples=10)
@given(potential=S.smooth_potentials(), state=S.states(q_range=1.0, p_range=1.5))
def test_shadow_hamiltonian_drifts_two_orders_less_than_energy(potential, state):
    """Over a fixed time, H drifts by O(eps^2) while H + eps^2 S2 drifts by O(eps^4)
    (theory.shadow: leapfrog is the exact flow of H~ = H + eps^2 S2 + eps^4 S4 + ...)."""
    q0, p0 = state
    eps_symbol = sp.Symbol("epsilon", positive=True)
    shadow = specialise(shadow_hamiltonian(None, order=2), potential.expr)
    drifts = []
    grid = [0.02, 0.01, 0.005]
    for eps in grid:
        H = to_numpy(shadow.subs(eps_symbol, 0))
        H2 = to_numpy(shadow.subs(eps_symbol, eps))
        drifts.append(energy_drifts(potential.numeric, q0, p0, eps, 1.0, [H, H2]))
    drifts = np.array(drifts)
    # The leapfrog energy error expands in even powers of eps, so the log-log slope between
    # successive halvings converges like 4^-k: the last slope is within the change of slope
    # of the order; 0.05 covers the discrete maximum over the trajectory's grid points.
    for column, order in ((0, 2), (1, 4)):
        if drifts[-1, column] < 1e-13:  # the quantity is conserved to round-off: nothing to fit
            continue
        s = np.log2(drifts[:-1, column] / drifts[1:, column])
        assert abs(s[-1] - order) <= abs(s[0] - s[-1]) + 0.05, (order, s, drifts[:, column])


@settings(max_examples=15)
@given(potential=S.kinked_potentials(), seed=st.integers(0, 2 ** 31))
def test_stationary_starts_satisfy_exp_minus_energy_error_identity(potential, seed):
    """E[exp(-dH)] = 1 for stationary starts: leapfrog is volume preserving and reversible,
    so the identity holds at every eps (Neal 2011, sec. 3.2); checked within 4 standard errors."""
    from relu_hmc.numerics.hmc import stationary_energy_errors
    from relu_hmc.numerics.estimators import mean_estimate

    sample = stationary_energy_errors(potential.numeric, d=5, eps=0.2, n_steps=5, n_proposals=4000, seed=seed)
    estimate = mean_estimate(np.exp(-sample.energy_error))
    assert abs(estimate.value - 1.0) <= 4 * estimate.se, estimate


@settings(max_examples=25)
@given(potential=S.kinked_potentials(), eps=S.step_sizes(0.01, 0.3), n_steps=st.integers(1, 40),
       seed=st.integers(0, 2 ** 31))
def test_compiled_kernel_equals_pure_fallback_on_generated_kinked_targets(potential, eps, n_steps, seed):
    """The compiled kernel and its pure-NumPy twin give the same numbers (1e-12 relative)."""
    _leapfrog_c = pytest.importorskip("relu_hmc._fastcore._leapfrog_c")
    from relu_hmc._fastcore import _leapfrog_py

    pot = potential.numeric
    rng = np.random.default_rng(seed)
    q0, p0 = pot.sample(rng, (3, 50)), rng.standard_normal((3, 50))
    compiled = _leapfrog_c.trajectory(pot.family, pot.params, pot.kinks, q0, p0, eps, n_steps)
    pure = _leapfrog_py.trajectory(pot.family, pot.params, pot.kinks, q0, p0, eps, n_steps)
    for a, b in zip(compiled[:3], pure[:3]):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12 * np.abs(b).max())
    np.testing.assert_array_equal(compiled[3], pure[3])


@settings(max_examples=25)
@given(potential=S.kinked_potentials(), eps=S.step_sizes(0.01, 0.3), n_steps=st.integers(1, 60),
       seed=st.integers(0, 2 ** 31))
def test_kernel_is_time_reversible_on_generated_kinked_targets(potential, eps, n_steps, seed):
    """Integrate, flip p, integrate back, flip p: the start is recovered (to round-off)."""
    pot = potential.numeric
    rng = np.random.default_rng(seed)
    q0, p0 = pot.sample(rng, (2, 20)), rng.standard_normal((2, 20))
    forward = leapfrog_trajectory(pot, q0, p0, eps, n_steps)
    back = leapfrog_trajectory(pot, forward.q, -forward.p, eps, n_steps)
    # each step loses at most a few ulps of |q| + eps |p|; n_steps of them accumulate
    scale = 1 + np.abs(forward.q).max() + np.abs(forward.p).max()
    np.testing.assert_allclose(back.q, q0, rtol=0, atol=1e-13 * n_steps * scale)
    np.testing.assert_allclose(-back.p, p0, rtol=0, atol=1e-13 * n_steps * scale)
    np.testing.assert_allclose(back.energy_error, -forward.energy_error, rtol=0, atol=1e-12 * n_steps * scale * 20)


smooth_builtins = st.one_of(
    st.builds(lambda w: _potentials.logcosh(w), S.reals(0.3, 2.0)),
    st.builds(lambda a2, a4: _potentials.quartic(a2, a4),
              S.reals(-1.0, 1.0), S.reals(0.1, 1.0)),
    st.builds(lambda k, w, c: _potentials.softplus_kink(k, -1.0, 1.5, w, c),
              S.reals(-0.5, 0.5), S.reals(0.2, 1.0), S.reals(0.0, 1.0)),
)


@settings(max_examples=20)
@given(potential=smooth_builtins, state=S.states(q_range=1.0, p_range=1.5), eps=S.step_sizes(0.01, 0.1),
       n_steps=st.integers(1, 20))
def test_kernel_preserves_phase_space_volume_on_smooth_targets(potential, state, eps, n_steps):
    """det D Psi = 1: the Jacobian of the L-step map by central differences (error O(h^2))."""
    q0, p0 = state
    h = 1e-5

    def flow(q, p):
        end = leapfrog_trajectory(potential, np.array([[q]]), np.array([[p]]), eps, n_steps)
        return np.array([end.q[0, 0], end.p[0, 0]])

    jacobian = np.column_stack([(flow(q0 + h, p0) - flow(q0 - h, p0)) / (2 * h),
                                (flow(q0, p0 + h) - flow(q0, p0 - h)) / (2 * h)])
    # truncation O(h^2 |third derivatives|) ~ 1e-10, round-off ~ 1e-16 |x| / h ~ 1e-11 per entry
    assert abs(np.linalg.det(jacobian) - 1.0) <= 1e-6
