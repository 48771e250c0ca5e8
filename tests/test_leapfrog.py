"""Integrator invariants of `numerics.leapfrog.leapfrog_trajectory` (through the backend shim).

Each test states one property of leapfrog (velocity Verlet) and checks it against a closed
form or an independent brute-force computation:
- the harmonic oscillator's exact one-step matrix and its L-th power, NumPyro's eps^4/8;
- the exact one-crossing energy error of a piecewise-linear kink (DESIGN.md, point 2);
- time reversibility for every family; volume preservation for the smooth ones;
- crossing counts against a step-by-step count; bad input; no mutation of inputs.
"""
from __future__ import annotations

import bisect
import math

import numpy as np
import pytest
import strategies as S
from hypothesis import assume, given
from hypothesis import strategies as st

from relu_hmc.numerics import potentials
from relu_hmc.numerics.leapfrog import Trajectory, leapfrog_trajectory
from test_fastcore import FAMILIES, FAMILY_IDS

SMOOTH_IDS = [name for name in FAMILY_IDS if not FAMILIES[name].is_kinked and name != "power_holder"]

coordinates = S.coordinates(3.0)
step_sizes = S.step_sizes(1e-3, 0.3)


def one_step_matrix(eps, omega=1.0):
    """Leapfrog on u = omega^2 x^2 / 2 is linear: (q, p) -> M (q, p) with h = omega eps,
    M = [[1 - h^2/2, eps], [-omega^2 eps (1 - h^2/4), 1 - h^2/2]] (Leimkuhler & Reich 2004, sec. 2.6)."""
    h2 = (omega * eps) ** 2
    return np.array([[1.0 - h2 / 2.0, eps], [-omega ** 2 * eps * (1.0 - h2 / 4.0), 1.0 - h2 / 2.0]])


# --- harmonic oscillator: the closed-form map --------------------------------------------

@given(q=coordinates, p=coordinates, eps=step_sizes, n_steps=st.integers(1, 60),
       sigma=st.sampled_from([1.0, 0.5, 2.0]))
def test_gaussian_leapfrog_is_the_power_of_the_one_step_matrix(q, p, eps, n_steps, sigma):
    trajectory = leapfrog_trajectory(potentials.gaussian(sigma), np.array([[q]]), np.array([[p]]), eps, n_steps)
    expected = np.linalg.matrix_power(one_step_matrix(eps, 1.0 / sigma), n_steps) @ np.array([q, p])
    scale = 1.0 + math.hypot(q, p) / sigma  # the orbit stays within a few times the start's size
    # the matrix power and the L steps round differently: a few ulp per step
    np.testing.assert_allclose([trajectory.q[0, 0], trajectory.p[0, 0]], expected, rtol=0, atol=1e-13 * n_steps * scale)


def test_one_step_matrix_has_determinant_one_and_is_exact_in_a_single_step():
    eps = 0.37
    assert np.linalg.det(one_step_matrix(eps)) == pytest.approx(1.0, abs=1e-15)
    q0, p0 = np.array([[0.3, -1.2]]), np.array([[0.7, 0.1]])
    trajectory = leapfrog_trajectory(potentials.gaussian(), q0, p0, eps, 1)
    expected = one_step_matrix(eps) @ np.vstack([q0[0], p0[0]])
    np.testing.assert_allclose(np.vstack([trajectory.q[0], trajectory.p[0]]), expected, rtol=1e-15, atol=1e-16)


@pytest.mark.parametrize("eps", [0.5, 0.1, 0.02])
def test_one_verlet_step_from_q0_p1_changes_the_energy_by_eps4_over_8(eps):
    """NumPyro's oracle (test/infer/test_hmc_util.py): H(end) - H(start) = eps^4 / 8 exactly.

    The computed difference cancels terms of size eps^2/2, so it carries an absolute rounding
    error of a few ulp of eps^2; the tolerance is 8 ulp of eps^2 over eps^4/8.
    """
    trajectory = leapfrog_trajectory(potentials.gaussian(), np.zeros((1, 1)), np.ones((1, 1)), eps, 1)
    assert trajectory.energy_error[0] == pytest.approx(eps ** 4 / 8, rel=8 * 2.2e-16 * eps ** 2 / (eps ** 4 / 8))
    assert trajectory.q[0, 0] == eps and trajectory.p[0, 0] == 1.0 - eps ** 2 / 2


@given(q=coordinates, p=coordinates, eps=step_sizes, n_steps=st.integers(1, 60))
def test_gaussian_energy_error_matches_the_closed_form_orbit(q, p, eps, n_steps):
    q_end, p_end = np.linalg.matrix_power(one_step_matrix(eps), n_steps) @ np.array([q, p])
    expected = 0.5 * (q_end ** 2 + p_end ** 2) - 0.5 * (q * q + p * p)
    trajectory = leapfrog_trajectory(potentials.gaussian(), np.array([[q]]), np.array([[p]]), eps, n_steps)
    energy = 1.0 + 0.5 * (q * q + p * p)
    assert trajectory.energy_error[0] == pytest.approx(expected, abs=1e-13 * n_steps * energy)


# --- kinked: one crossing step ----------------------------------------------------------

@given(data=st.data(), kink=st.floats(-1.0, 1.0), slope_left=st.floats(-2.0, -0.2),
       slope_right=st.floats(0.2, 2.0), eps=st.floats(0.01, 0.5))
def test_a_crossing_step_has_the_exact_piecewise_linear_energy_error(data, kink, slope_left, slope_right, eps):
    """DESIGN.md point 2: start q < b, one step ending past b:
    dH = J (q - b + eps p / 2) + eps^2 J^2 / 8, J = g+ - g-."""
    p = data.draw(st.floats(0.5, 3.0), label="p")
    # a start in front of the kink from which the position update lands beyond it
    reach = eps * (p - 0.5 * eps * slope_left)
    offset = data.draw(st.floats(0.01, 0.99), label="offset") * reach
    q = kink - offset
    assume(q < kink <= q + reach)
    potential = potentials.piecewise_linear([kink], [slope_left, slope_right])
    trajectory = leapfrog_trajectory(potential, np.array([[q]]), np.array([[p]]), eps, 1)
    jump = slope_right - slope_left
    expected = jump * ((q - kink) + eps * p / 2) + eps ** 2 * jump ** 2 / 8
    assert trajectory.crossings[0] == 1
    assert trajectory.energy_error[0] == pytest.approx(expected, rel=1e-9, abs=1e-13)


# --- reversibility ----------------------------------------------------------------------

@given(name=st.sampled_from(FAMILY_IDS), data=st.data(), eps=step_sizes, n_steps=st.integers(1, 50))
def test_flipping_the_momentum_and_integrating_back_recovers_the_start(name, data, eps, n_steps):
    potential = FAMILIES[name]
    d = data.draw(st.integers(1, 4), label="d")
    q0 = np.array([data.draw(st.lists(coordinates, min_size=d, max_size=d), label="q")])
    p0 = np.array([data.draw(st.lists(coordinates, min_size=d, max_size=d), label="p")])
    # A start within rounding distance of a kink is not reversible in floating point: the
    # return lands a few ulp to either side and takes the other piece's gradient.
    if potential.kinks.size:
        assume(np.min(np.abs(q0[..., None] - potential.kinks)) > 1e-9)
    # Rounding errors grow like perturbations do: by e^T near the quartic double well's hump
    # (u'' = -1 at q = 0). Up to T = 4 that is a factor <= 55, inside the 1e-12 budget.
    assume(eps * n_steps <= 4.0)
    forward = leapfrog_trajectory(potential, q0, p0, eps, n_steps)
    back = leapfrog_trajectory(potential, forward.q, -forward.p, eps, n_steps)
    scale = 1.0 + np.max(np.abs(np.concatenate([forward.q, forward.p])))
    np.testing.assert_allclose(back.q, q0, rtol=0, atol=1e-12 * scale)
    np.testing.assert_allclose(-back.p, p0, rtol=0, atol=1e-12 * scale)
    np.testing.assert_allclose(back.energy_error, -forward.energy_error, rtol=0, atol=1e-12 * scale ** 2)
    np.testing.assert_array_equal(back.crossings, forward.crossings)


# --- volume preservation ----------------------------------------------------------------

def jacobian_determinant(potential, x, eps, n_steps, h=1e-5):
    """det of d(q_L, p_L)/d(q_0, p_0) at x = (q, p) in R^{2d}, by central differences
    (truncation O(h^2), rounding O(1e-16 / h))."""
    d = x.size // 2
    shifts = h * np.eye(2 * d)
    starts = np.vstack([x + shifts, x - shifts])
    trajectory = leapfrog_trajectory(potential, starts[:, :d], starts[:, d:], eps, n_steps)
    ends = np.hstack([trajectory.q, trajectory.p])
    jacobian = (ends[:2 * d] - ends[2 * d:]).T / (2 * h)
    return np.linalg.det(jacobian)


@pytest.mark.parametrize("name", SMOOTH_IDS)
def test_smooth_leapfrog_preserves_phase_space_volume(name):
    potential = FAMILIES[name]
    rng = np.random.default_rng(2)
    for _ in range(5):
        x = np.concatenate([rng.uniform(-2.0, 2.0, 2), rng.standard_normal(2)])
        det = jacobian_determinant(potential, x, eps=0.05, n_steps=40)
        assert det == pytest.approx(1.0, abs=1e-6)


# --- crossing counts --------------------------------------------------------------------

def brute_force_crossings(potential, q0, p0, eps, n_steps):
    """Step one leapfrog step at a time and count, in plain Python, every kink b with
    (b <= q_old) != (b <= q_new) in each position update. Returns the counts per chain, the
    largest number of kinks crossed in one update, and the final state."""
    kinks = potential.kinks.tolist()
    q, p = q0.copy(), p0.copy()
    counts = np.zeros(q0.shape[0], dtype=np.int64)
    most_in_one_update = 0
    for _ in range(n_steps):
        step = leapfrog_trajectory(potential, q, p, eps, 1)
        for c in range(q.shape[0]):
            for old, new in zip(q[c].tolist(), step.q[c].tolist()):
                crossed = sum((b <= old) != (b <= new) for b in kinks)
                assert crossed == abs(bisect.bisect_right(kinks, new) - bisect.bisect_right(kinks, old))
                counts[c] += crossed
                most_in_one_update = max(most_in_one_update, crossed)
        q, p = step.q, step.p
    return counts, most_in_one_update, q, p


@pytest.mark.parametrize("name", FAMILY_IDS)
def test_crossing_counts_equal_a_step_by_step_count(name):
    potential = FAMILIES[name]
    rng = np.random.default_rng(4)
    q0, p0 = rng.uniform(-2.0, 2.0, (3, 5)), 1.5 * rng.standard_normal((3, 5))
    trajectory = leapfrog_trajectory(potential, q0, p0, 0.05, 60)
    counts, _, q_end, p_end = brute_force_crossings(potential, q0, p0, 0.05, 60)
    np.testing.assert_array_equal(trajectory.crossings, counts)
    np.testing.assert_array_equal(trajectory.q, q_end)  # one L-step call == L one-step calls
    np.testing.assert_array_equal(trajectory.p, p_end)
    if potential.kinks.size:
        assert counts.sum() > 0  # the example does cross


def test_a_position_update_over_several_kinks_counts_each_of_them():
    """With kinks 0.3 apart and eps = 0.9 a single update jumps over two or three of them."""
    potential = potentials.piecewise_linear([-0.6, -0.3, 0.0, 0.3, 0.6], [-2.0, -1.0, -0.5, 0.5, 1.0, 2.0])
    rng = np.random.default_rng(5)
    q0, p0 = rng.uniform(-1.0, 1.0, (4, 4)), 1.5 * rng.standard_normal((4, 4))
    trajectory = leapfrog_trajectory(potential, q0, p0, 0.9, 20)
    counts, most_in_one_update, _, _ = brute_force_crossings(potential, q0, p0, 0.9, 20)
    np.testing.assert_array_equal(trajectory.crossings, counts)
    assert most_in_one_update >= 2


def test_laplace_crossings_are_sign_changes_of_q():
    potential = potentials.laplace()
    rng = np.random.default_rng(8)
    q0, p0 = rng.uniform(-1.0, 1.0, (4, 3)), rng.standard_normal((4, 3))
    eps, n_steps = 0.1, 40
    q, p = q0.copy(), p0.copy()
    sign_changes = np.zeros(4, dtype=np.int64)
    for _ in range(n_steps):
        step = leapfrog_trajectory(potential, q, p, eps, 1)
        sign_changes += ((q >= 0.0) != (step.q >= 0.0)).sum(axis=1)  # piece 1 is [0, inf)
        q, p = step.q, step.p
    np.testing.assert_array_equal(leapfrog_trajectory(potential, q0, p0, eps, n_steps).crossings, sign_changes)
    assert sign_changes.sum() > 0


def test_a_callable_potential_gives_the_builtin_numbers():
    """The general path (CallablePotential on the pure engine) and the built-in kernel agree."""
    builtin = potentials.piecewise_linear([-0.5, 1.0], [-1.0, 0.5, 2.0])
    callable_potential = potentials.CallablePotential(builtin.u, builtin.grad, kinks=builtin.kinks)
    rng = np.random.default_rng(6)
    q0, p0 = rng.standard_normal((3, 7)), rng.standard_normal((3, 7))
    a = leapfrog_trajectory(builtin, q0, p0, 0.1, 25)
    b = leapfrog_trajectory(callable_potential, q0, p0, 0.1, 25)
    for x, y in zip((a.q, a.p, a.energy_error, a.crossings), (b.q, b.p, b.energy_error, b.crossings)):
        np.testing.assert_allclose(x, y, rtol=1e-12, atol=0)


def test_a_callable_that_returns_its_input_does_not_corrupt_the_energy_error():
    """u(x) = x returns the engine's own state array; a constant force is integrated exactly
    by leapfrog, so dH = 0 -- unless the engine kept u(start) as a view of a state it then
    updates in place (it would report -(U(end) - U(start)))."""
    linear = potentials.CallablePotential(lambda x: x, np.ones_like)
    q0, p0 = np.array([[0.3, -1.0]]), np.array([[1.0, 0.2]])
    trajectory = leapfrog_trajectory(linear, q0, p0, 0.25, 8)
    np.testing.assert_allclose(trajectory.q, q0 + 2.0 * p0 - 2.0, rtol=1e-14)  # T = 2, q0 + T p0 - T^2/2
    np.testing.assert_allclose(trajectory.energy_error, 0.0, atol=1e-14)


# --- contracts: no mutation, bad input --------------------------------------------------

def test_inputs_are_not_modified():
    potential = FAMILIES["piecewise_linear"]
    q0 = np.asfortranarray(np.random.default_rng(1).standard_normal((3, 4)))  # also non-C order
    p0 = np.arange(12, dtype=np.int64).reshape(3, 4) - 6  # integers are accepted, not mutated
    q_copy, p_copy = q0.copy(), p0.copy()
    trajectory = leapfrog_trajectory(potential, q0, p0, 0.1, 10)
    assert isinstance(trajectory, Trajectory)
    np.testing.assert_array_equal(q0, q_copy)
    np.testing.assert_array_equal(p0, p_copy)
    assert p0.dtype == np.int64 and trajectory.p.dtype == np.float64


GOOD_Q, GOOD_P = np.zeros((2, 3)), np.ones((2, 3))


@pytest.mark.parametrize("kwargs, message", [
    ({"eps": 0.0}, r"eps must be a finite number > 0, got 0\.0"),
    ({"eps": -0.1}, r"eps must be a finite number > 0, got -0\.1"),
    ({"eps": float("nan")}, r"eps must be a finite number > 0, got nan"),
    ({"eps": float("inf")}, r"eps must be a finite number > 0, got inf"),
    ({"eps": "big"}, r"eps must be a number, got 'big'"),
    ({"eps": None}, r"eps must be a number, got None"),
    ({"n_steps": 0}, r"n_steps must be >= 1, got 0"),
    ({"n_steps": -3}, r"n_steps must be >= 1, got -3"),
    ({"n_steps": 2.5}, r"n_steps must be an integer >= 1, got 2\.5"),
    ({"n_steps": True}, r"n_steps must be an integer >= 1, got True"),
    ({"q0": np.zeros(3)}, r"q0 must have shape \(n_chains, d\) with n_chains, d >= 1, got \(3,\)"),
    ({"q0": np.zeros((2, 0)), "p0": np.zeros((2, 0))}, r"q0 must have shape \(n_chains, d\) with n_chains, d >= 1, got \(2, 0\)"),
    ({"q0": np.zeros((2, 3, 1))}, r"q0 must have shape \(n_chains, d\)"),
    ({"p0": np.ones((2, 4))}, r"p0 must have shape \(2, 3\), got \(2, 4\)"),
    ({"p0": np.ones(3)}, r"p0 must have shape \(n_chains, d\)"),
    ({"q0": np.full((2, 3), np.nan)}, r"q0 must be finite"),
    ({"p0": np.full((2, 3), np.inf)}, r"p0 must be finite"),
    ({"q0": np.zeros((2, 3), dtype=complex)}, r"q0 must hold real numbers, got dtype complex128"),
    ({"p0": np.ones((2, 3), dtype=object)}, r"p0 must hold real numbers, got dtype object"),
    ({"q0": [[0.0, 1.0]]}, r"q0 must be a numpy array, got list"),
    ({"q0": np.zeros((2, 3), dtype=bool)}, r"q0 must hold real numbers, got dtype bool"),
])
def test_bad_arguments_raise_one_line_value_errors(kwargs, message):
    arguments = {"potential": potentials.gaussian(), "q0": GOOD_Q, "p0": GOOD_P, "eps": 0.1, "n_steps": 5}
    arguments.update(kwargs)
    with pytest.raises(ValueError, match=message) as error:
        leapfrog_trajectory(**arguments)
    assert "\n" not in str(error.value)


def test_a_potential_of_the_wrong_type_is_a_value_error():
    with pytest.raises(ValueError, match=r"potential must be a numerics.potentials Potential or CallablePotential, got function"):
        leapfrog_trajectory(lambda x: x, GOOD_Q, GOOD_P, 0.1, 5)
