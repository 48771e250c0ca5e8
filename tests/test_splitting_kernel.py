"""The generic splitting kernel: compiled == pure to the last bit, leapfrog through it == the
leapfrog kernel to the last bit, one-step energy errors of the order and leading coefficient
theory.splitting derives, and crossing steps equal to the exact crossing error.

Both backends are imported directly (not through the shim), so the pair is compared whatever
``RELU_HMC_PURE`` says. Bit identity holds because both run the same arithmetic in the same
order: kicks p - (k eps) u', drifts q + (d eps) p, setup.py's -ffp-contract=off, the same libm
calls in the family terms, and the exactly rounded energy sum (Shewchuk / math.fsum).
"""
from __future__ import annotations


import numpy as np
import pytest
import strategies as S
import sympy as sp
from hypothesis import assume, given
from hypothesis import strategies as st

from relu_hmc import _fastcore, splittings
from relu_hmc._fastcore import _leapfrog_py
from relu_hmc._fastcore import _splitting_py as pure
from relu_hmc.numerics import potentials
from relu_hmc.numerics.estimators import half_grid_slopes, mean_estimate, power_law_exponent, richardson
from relu_hmc.numerics.leapfrog import leapfrog_trajectory
from relu_hmc.numerics.splitting_trajectory import splitting_trajectory
from relu_hmc.theory import splitting as theory

try:
    from relu_hmc._fastcore import _leapfrog_c, _splitting_c as compiled
except ImportError:  # the extension is not built: nothing to compare against
    compiled = _leapfrog_c = None

needs_compiled = pytest.mark.skipif(compiled is None, reason="compiled extension _fastcore._splitting_c not built")

FAMILIES = S.family_examples()
NAMES = splittings.BUILTIN_NAMES
ULP = 2.0 ** -52


def arrays(splitting):
    s = splittings.resolve(splitting)
    return np.array(s.kick_values), np.array(s.drift_values)


def run(backend, potential, splitting, q0, p0, eps, n_steps):
    kicks, drifts = arrays(splitting)
    return backend.trajectory(potential.family, potential.params, potential.kinks, kicks, drifts,
                              q0, p0, eps, n_steps)


def assert_identical(a, b, what):
    for label, x, y in zip(("q", "p", "energy_error", "crossings"), a, b):
        assert x.dtype == y.dtype and x.shape == y.shape, (what, label)
        np.testing.assert_array_equal(x, y, err_msg=f"{what}: {label}")


def random_states(seed, n_chains, d, spread=2.0):
    rng = np.random.default_rng(seed)
    return spread * rng.standard_normal((n_chains, d)), rng.standard_normal((n_chains, d))


# --- compiled == pure, leapfrog == leapfrog ----------------------------------------------------

@needs_compiled
@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_compiled_and_pure_agree_to_the_last_bit_for_every_builtin_splitting(name):
    potential = FAMILIES[name]
    q0, p0 = random_states(3, n_chains=3, d=300)  # d > 256: two blocks in the compiled kernel
    for splitting in NAMES:
        for eps, n_steps in ((0.13, 17), (0.4, 3)):
            assert_identical(run(compiled, potential, splitting, q0, p0, eps, n_steps),
                             run(pure, potential, splitting, q0, p0, eps, n_steps),
                             f"{name} {splitting} eps={eps}")


@needs_compiled
@given(name=st.sampled_from(sorted(FAMILIES)), flat=S.splitting_coefficient_lists(),
       q=st.lists(S.coordinates(4.0), min_size=1, max_size=5), data=st.data(),
       eps=S.step_sizes(1e-3, 0.3), n_steps=st.integers(1, 12))
def test_compiled_and_pure_agree_for_any_splitting_and_state(name, flat, q, data, eps, n_steps):
    p = data.draw(st.lists(S.coordinates(4.0), min_size=len(q), max_size=len(q)), label="p")
    splitting = splittings.from_coefficients(flat)
    q0, p0 = np.array([q]), np.array([p])
    assert_identical(run(compiled, FAMILIES[name], splitting, q0, p0, eps, n_steps),
                     run(pure, FAMILIES[name], splitting, q0, p0, eps, n_steps), f"{name} {splitting}")


#: kick/drift patterns that take each branch of the one step loop (_splitting_kernel.pxi): a
#: leading kick or none, a kick after a drift or none (zero inside), a last kick of zero before
#: a nonzero first one (the gradient is refreshed at the step's start), kicks only (no drift)
KICK_PATTERNS = {
    "zero_inside": ((0.3, 0.0, 0.7), (0.4, 0.6)),
    "zero_last": ((0.5, 0.5, 0.0), (0.5, 0.5)),
    "zero_first": ((0.0, 0.5, 0.5), (0.5, 0.5)),
    "kicks_only": ((1.0,), ()),
}


@needs_compiled
@pytest.mark.parametrize("pattern", sorted(KICK_PATTERNS))
@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_compiled_and_pure_agree_on_every_kick_pattern_of_the_step_loop(name, pattern):
    """Not splittings the wrapper accepts (not palindromes), but the raw kernels must still agree."""
    potential = FAMILIES[name]
    kicks, drifts = (np.array(v, dtype=np.float64) for v in KICK_PATTERNS[pattern])
    q0, p0 = random_states(4, n_chains=2, d=300)
    a, b = (backend.trajectory(potential.family, potential.params, potential.kinks, kicks, drifts, q0, p0, 0.11, 9)
            for backend in (compiled, pure))
    assert_identical(a, b, f"{name} {pattern}")


@needs_compiled
@pytest.mark.parametrize("n_kinks", [0, 1, 2, 5])
def test_compiled_and_pure_agree_for_every_number_of_kinks(n_kinks):
    """The compiled loop has copies for 0 and 1 kinks and one for any number: all give the pure bits."""
    kinks = np.linspace(-1.2, 1.3, n_kinks)
    potential = potentials.piecewise_quadratic(kinks, np.linspace(0.5, 1.5, n_kinks + 1),
                                               np.linspace(-1.0, 1.0, n_kinks + 1))
    q0, p0 = random_states(6, n_chains=2, d=300)
    for splitting in ("leapfrog", "yoshida4"):
        assert_identical(run(compiled, potential, splitting, q0, p0, 0.2, 13),
                         run(pure, potential, splitting, q0, p0, 0.2, 13), f"{n_kinks} kinks {splitting}")


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_leapfrog_through_the_generic_kernel_is_the_leapfrog_kernel_bit_for_bit(name):
    """Kicks (1/2, 1/2) and drift 1 make (0.5 eps) u' and (1.0 eps) p: the leapfrog kernel's
    half = 0.5 eps and eps, so every operation, and so every bit, is the same."""
    potential = FAMILIES[name]
    q0, p0 = random_states(5, n_chains=3, d=300)
    pairs = [(pure, _leapfrog_py)] + ([(compiled, _leapfrog_c)] if compiled is not None else [])
    for generic, leapfrog in pairs:
        for eps, n_steps in ((0.13, 17), (0.02, 60)):
            expected = leapfrog.trajectory(potential.family, potential.params, potential.kinks, q0, p0, eps, n_steps)
            assert_identical(run(generic, potential, "leapfrog", q0, p0, eps, n_steps), expected, name)


def test_the_numerics_wrapper_runs_the_selected_backend_and_validates():
    potential = FAMILIES["piecewise_linear"]
    q0, p0 = random_states(8, 4, 10)
    a = splitting_trajectory(potential, q0, p0, 0.05, 40, "leapfrog")
    b = leapfrog_trajectory(potential, q0, p0, 0.05, 40)
    for x, y in zip((a.q, a.p, a.energy_error, a.crossings), (b.q, b.p, b.energy_error, b.crossings)):
        np.testing.assert_array_equal(x, y)
    assert set(_fastcore.BACKENDS) >= {"leapfrog", "bnn", "splitting"}
    for bad, problem in (({"eps": 0.0}, "eps"), ({"n_steps": 0}, "n_steps"),
                         ({"splitting": "rk4"}, "unknown integrator"), ({"splitting": "0.5,1,0.4"}, "sum to 1")):
        kwargs = {"eps": 0.1, "n_steps": 3, "splitting": "leapfrog"} | bad
        with pytest.raises(ValueError, match=problem):
            splitting_trajectory(potential, q0, p0, kwargs["eps"], kwargs["n_steps"], kwargs["splitting"])
    with pytest.raises(ValueError, match="built-in"):
        splitting_trajectory(potentials.CallablePotential(np.abs, np.sign), q0, p0, 0.1, 3)


def test_inputs_are_not_modified():
    q0, p0 = random_states(2, 2, 5)
    q_copy, p_copy = q0.copy(), p0.copy()
    splitting_trajectory(FAMILIES["laplace"], q0, p0, 0.1, 5, "yoshida4")
    np.testing.assert_array_equal(q0, q_copy)
    np.testing.assert_array_equal(p0, p_copy)


# --- smooth potentials: one-step energy-error order and leading coefficient ----------------------

q_sym = sp.Symbol("q", real=True)
#: SymPy forms of the smooth families used below (the _families.py table)
SMOOTH = {
    "quartic": (potentials.quartic(-1.0, 1.0), -q_sym**2 / 2 + q_sym**4 / 4),
    "logcosh": (potentials.logcosh(0.8), sp.Rational(4, 5) * sp.log(sp.cosh(q_sym / sp.Rational(4, 5)))),
}
#: one-step energy-error orders (local; global = local - 1), from theory.splitting
EXPECTED_LOCAL_ORDER = {"leapfrog": 3, "position_verlet": 3, "two_stage_bcss": 3, "two_stage_mclachlan": 3,
                        "yoshida4": 5}


def one_step_energy_errors(potential, splitting, eps_grid, q, p):
    """dH of one step from each (q, p), shape (n_states, n_eps): paired draws across eps."""
    columns = [splitting_trajectory(potential, q[:, None], p[:, None], eps, 1, splitting).energy_error
               for eps in eps_grid]
    return np.column_stack(columns)


#: largest eps of the halving grid, by local order: for the slope, small enough that the
#: half-grid slopes agree; for Richardson (which removes the eps, eps^2, eps^3 curvature),
#: large enough that eps^order stays far above the ~1e-16 round-off of dH
SLOPE_GRID_TOP = {3: 0.1, 5: 0.05}
RICHARDSON_GRID_TOP = {3: 0.1, 5: 0.2}


def smooth_case(splitting, grid_top):
    order = theory.energy_error_order(splitting)
    eps_grid = grid_top[order] * 2.0 ** -np.arange(5)
    rng = np.random.default_rng(11)
    return order, eps_grid, rng.standard_normal(64), rng.standard_normal(64)


@pytest.mark.parametrize("family", sorted(SMOOTH))
@pytest.mark.parametrize("splitting", NAMES)
def test_measured_one_step_energy_order_equals_theory(family, splitting):
    """The exponent of E|dH| ~ eps^k (paired bootstrap interval) contains theory's order,
    widened by the grid's truncation bias (the drift between the half-grid slopes, scaled as
    in numerics.orders), which must itself be small."""
    order, eps_grid, q, p = smooth_case(splitting, SLOPE_GRID_TOP)
    assert order == EXPECTED_LOCAL_ORDER[splitting]
    dH = one_step_energy_errors(SMOOTH[family][0], splitting, eps_grid, q, p)
    fit = power_law_exponent(eps_grid, dH, seed=1)
    fine, coarse = half_grid_slopes(eps_grid, np.abs(dH).mean(axis=0))
    small, large = np.sort(eps_grid)[:3], np.sort(eps_grid)[-3:]
    slack = abs(coarse - fine) * large.mean() / (large.mean() - small.mean())
    assert slack < 0.1, slack
    assert fit.lo - slack <= order <= fit.hi + slack, (str(fit), slack)


def extrapolated_coefficient(potential, splitting, q, p):
    """(limit, allowance, order): Richardson limit of A(eps) = dH / eps^n, removing eps, eps^2,
    eps^3, and the allowance = the extrapolation's own bound + the round-off it carries: the
    table is linear in A, so |weights| times the round-off of each A (16 ulps of the terms of
    dH, |u| + p^2, and of the step's rounding of q and p, |q u'| + p^2, over eps^n)."""
    order, eps_grid, _, _ = smooth_case(splitting, RICHARDSON_GRID_TOP)
    dH = one_step_energy_errors(potential, splitting, eps_grid, q, p)
    extrapolation = richardson(eps_grid, (dH / eps_grid**order).T, powers=[1, 2, 3])
    weights = richardson(eps_grid, np.eye(eps_grid.size), powers=[1, 2, 3]).value
    magnitude = np.abs(potential.u(q)) + np.abs(q * potential.grad(q)) + 2 * p * p + 1.0
    roundoff = (16 * ULP * magnitude[None, :] / eps_grid[:, None] ** order * np.abs(weights)[:, None]).sum(axis=0)
    return extrapolation.value, extrapolation.bound + roundoff, order


def symbolic_coefficient(splitting, expr, q, p):
    _, coefficient = theory.energy_error_leading_coefficient(splitting, expr)
    function = sp.lambdify((sp.Symbol("q", real=True), sp.Symbol("p", real=True)), coefficient, "math")
    return np.array([function(a, b) for a, b in zip(q, p)])


@pytest.mark.parametrize("family", sorted(SMOOTH))
@pytest.mark.parametrize("splitting", NAMES)
def test_richardson_limit_of_dH_over_eps_to_the_order_is_theorys_coefficient(family, splitting):
    """lim dH / eps^n = C(q, p) at every state, within the extrapolation's allowance."""
    potential, expr = SMOOTH[family]
    _, _, q, p = smooth_case(splitting, RICHARDSON_GRID_TOP)
    limit, allowance, _ = extrapolated_coefficient(potential, splitting, q, p)
    error = np.abs(limit - symbolic_coefficient(splitting, expr, q, p))
    assert np.all(error <= allowance), np.max(error - allowance)


@pytest.mark.parametrize("measured, other", [("leapfrog", "position_verlet"), ("two_stage_bcss", "two_stage_mclachlan"),
                                             ("position_verlet", "two_stage_bcss")])
def test_the_coefficient_check_tells_the_splittings_apart(measured, other):
    """The same check against another splitting's coefficient fails (it is not vacuous)."""
    potential, expr = SMOOTH["quartic"]
    _, _, q, p = smooth_case(measured, RICHARDSON_GRID_TOP)
    limit, allowance, _ = extrapolated_coefficient(potential, measured, q, p)
    assert np.any(np.abs(limit - symbolic_coefficient(other, expr, q, p)) > allowance)


# --- kinked potentials: the crossing step -----------------------------------------------------

def isolated_kink(kink, g_minus, g_plus):
    """Slopes g_-, g_+ around `kink`, with far kinks (+-10) that make the density normalisable."""
    return potentials.piecewise_linear([kink - 10.0, kink, kink + 10.0], [-1.0, g_minus, g_plus, 1.0])


@given(splitting=st.sampled_from(NAMES), g_minus=S.kink_slopes(), g_plus=S.kink_slopes(),
       kink=S.coordinates(1.0), eps=S.step_sizes(1e-3, 0.2), data=st.data())
def test_crossing_step_energy_error_equals_the_exact_crossing_error(splitting, g_minus, g_plus, kink, eps, data):
    """At a random phase over the splitting's whole crossing window (min D, max D) one kernel
    step equals theory's exact piecewise-linear step, and counts its side changes, up to the
    round-off of the float step (a few ulps of each term of dH)."""
    D = [float(x) for x in theory.cumulative_drifts(splitting)]
    theta = data.draw(S.reals(min(D) - 0.05, max(D) + 0.05), label="theta")
    p = data.draw(st.one_of(S.reals(0.3, 2.5), S.reals(-2.5, -0.3)), label="p")
    q = kink - theta * eps * p
    exact = theory.piecewise_linear_step(splitting, q, p, eps, g_minus, g_plus, kink)
    assume(min(abs(float(x) - kink) for x in exact.positions) > 1e-9)  # sides not decided by round-off
    potential = isolated_kink(kink, g_minus, g_plus)
    result = splitting_trajectory(potential, np.array([[q]]), np.array([[p]]), eps, 1, splitting)
    q1, p1 = result.q[0, 0], result.p[0, 0]
    scale = (abs(potential.u(np.array([q]))[0]) + abs(potential.u(np.array([q1]))[0])
             + (abs(g_minus) + abs(g_plus)) * (abs(q) + abs(q1)) + p * p + p1 * p1)
    assert abs(result.energy_error[0] - float(exact.energy_error)) <= 32 * ULP * scale
    assert result.crossings[0] == exact.crossings


@pytest.mark.parametrize("splitting", NAMES)
def test_crossing_error_is_first_order_with_theorys_phase_function(splitting):
    """dH / (eps J |p|) -> c(theta) as eps -> 0 at fixed phase, measured on the kernel."""
    c = theory.crossing_phase_function(splitting)
    D = [float(x) for x in theory.cumulative_drifts(splitting)]
    g_minus, g_plus, kink = -0.7, 1.3, 0.2
    potential = isolated_kink(kink, g_minus, g_plus)
    thetas = np.linspace(min(D), max(D), 23)[1:-1] + 0.0123
    # c jumps at the D_i; the stage sides switch within O(eps) of them: stay 0.01 away
    thetas = thetas[np.min(np.abs(thetas[:, None] - np.array(D)[None, :]), axis=1) > 0.01]
    for p in (1.1, -0.8):
        for eps in (1e-3, 1e-4):
            q = kink - thetas * eps * p
            dH = splitting_trajectory(potential, q[:, None], np.full((q.size, 1), p), eps, 1, splitting).energy_error
            expected = np.array([float(c.subs(theory.THETA, t)) for t in thetas])
            # the O(eps^2) remainder is eps^2 times terms of size J^2, J (g_- + g_+) (< 10 here)
            assert np.all(np.abs(dH / (eps * (g_plus - g_minus) * abs(p)) - expected) <= 10 * eps), (p, eps)


@pytest.mark.parametrize("splitting", NAMES)
def test_kernel_crossing_errors_over_a_uniform_phase_give_theorys_per_step_second_moment(splitting):
    """int c(theta)^2 dtheta (the per-step second moment), measured: starts at phases uniform on the crossing window
    (min D, max D) (recrossing windows included), K ~ (max D - min D) E[(dH / (eps J |p|))^2].
    Agreement within 4 standard errors plus the O(eps) bias bound of the ratio (10 eps, as above)."""
    D = [float(x) for x in theory.cumulative_drifts(splitting)]
    width = max(D) - min(D)
    g_minus, g_plus, kink, eps, p = -0.7, 1.3, 0.2, 1e-4, 1.1
    theta = np.random.default_rng(17).uniform(min(D), max(D), 4000)
    q = kink - theta * eps * p
    dH = splitting_trajectory(isolated_kink(kink, g_minus, g_plus), q[:, None], np.full((q.size, 1), p), eps, 1,
                              splitting).energy_error
    ratio = dH / (eps * (g_plus - g_minus) * p)
    measured = mean_estimate(width * ratio**2)
    K = float(theory.crossing_phase_moments(splitting)[1])  # one step: int c^2 over the phase range
    bias = width * 2 * 10 * eps * np.abs(ratio).max()  # |r^2 - c^2| <= 2|r| |r - c| + |r - c|^2
    assert abs(measured.value - K) <= 4 * measured.se + bias, (str(measured), K)
