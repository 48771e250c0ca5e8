"""Limit laws of RWM, MALA, fixed-steps HMC, any splitting, jumps and walls (theory.limit_laws,
theory.step_errors, theory.jumps) against closed forms, the literature and direct computation."""
import math
import re
from pathlib import Path

import mpmath
import pytest
import sympy as sp

from relu_hmc.theory.classify import analyse_potential
from relu_hmc.theory.derive import derive_scaling_law
from relu_hmc.theory.parse import parse_potential
from relu_hmc.theory.splitting import JET
from relu_hmc.theory import step_errors
from relu_hmc.theory.tuning import optimal_acceptance

U1, U2, U3, U4 = JET[:4]
NOTE = Path(__file__).resolve().parent.parent / "proofs_notes" / "limit_laws.md"


def _info(expr):
    return analyse_potential(parse_potential(expr))


# --- the one solver gives the four classic optima ----------------------------------------------------

@pytest.mark.parametrize("algorithm, expr, published", [("rwm", "q**2/2", 0.234), ("mala", "q**2/2", 0.574),
                                                        ("hmc", "q**2/2", 0.651), ("hmc", "Abs(q)", 0.452)])
def test_published_optima_are_outputs_of_the_same_solver(algorithm, expr, published):
    law = derive_scaling_law(expr, algorithm=algorithm)
    assert law["optimal_acceptance"] == float(optimal_acceptance(law["k"], law["efficiency_exponent"]))
    assert abs(law["optimal_acceptance"] - published) < 0.0005


def test_mala_on_a_kink_has_gamma_one_third_and_the_solver_optimum_at_k_three_halves():
    law = derive_scaling_law("Abs(q)", algorithm="mala")
    assert (law["step_size_exponent"], law["sigma_exponent"], law["efficiency_exponent"]) == (pytest.approx(1 / 3), 3.0, 2)
    assert law["optimal_acceptance"] == pytest.approx(float(optimal_acceptance(1.5, 2)), abs=1e-15)
    # Sigma_0 = J^2 pi(0) E|p|^3 / 12 with J = 2, pi(0) = 1/2, E|p|^3 = 2 sqrt(2/pi)
    assert law["sigma0"] == pytest.approx(4 * 0.5 * 2 * math.sqrt(2 / math.pi) / 12, rel=1e-12)


# --- MALA: Roberts & Rosenthal's constant equals E[C^2] of the one-step series --------------------------

def test_rr98_constant_is_the_p_expectation_of_the_leapfrog_coefficient_squared_after_integration_by_parts():
    """E_p[C^2] = 5 U3^2/48 - U1 U2 U3/8 + U1^2 U2^2/16; E_pi[U1 f] = E_pi[f'] turns it into
    E[(5 U3^2 + 3 U2^3)/48] (proofs_notes/limit_laws.md)."""
    from relu_hmc.theory.splitting import local_energy_error

    C = local_energy_error("leapfrog", 5).coefficient
    moment = step_errors._p_expectation(C**2)
    assert sp.expand(moment - (5 * U3**2 / 48 - U1 * U2 * U3 / 8 + U1**2 * U2**2 / 16)) == 0


@pytest.mark.parametrize("expr", ["q**2/2", "q**4/4", "log(cosh(q)) + q**2/4"])
def test_mala_sigma0_rr98_equals_direct_one_step_expectation(expr):
    info = _info(expr)
    assert step_errors.mala_sigma0_rr98(info) == pytest.approx(step_errors.one_step_sigma0(info, "leapfrog"), rel=1e-8)


def test_mala_gaussian_constant_is_one_sixteenth():
    assert derive_scaling_law("q**2/2", algorithm="mala")["sigma0"] == pytest.approx(1 / 16, rel=1e-12)


def test_fixed_steps_smooth_is_L_squared_times_the_one_step_constant_and_matches_the_exact_gaussian_variance():
    from relu_hmc.theory.acceptance import gaussian_energy_error_moments

    for L in (1, 3):
        law = derive_scaling_law("q**2/2", fixed_steps=L)
        assert law["sigma0"] == pytest.approx(L**2 / 16, rel=1e-10)
        eps = mpmath.mpf("1e-3")
        exact = gaussian_energy_error_moments(eps, L)["variance"] / eps**6
        assert float(exact) == pytest.approx(L**2 / 16, rel=1e-3)


# --- any splitting -----------------------------------------------------------------------------------

def test_shadow_term_of_leapfrog_is_the_known_one_and_solves_C_equals_minus_dS_dt():
    from relu_hmc.theory.kink import P

    assert sp.expand(step_errors.shadow_term("leapfrog") - (P**2 * U2 / 12 - U1**2 / 24)) == 0
    from relu_hmc.theory.splitting import local_energy_error

    for name in ("position_verlet", "two_stage_bcss", "yoshida4"):
        S = step_errors.shadow_term(name)
        C = local_energy_error(name, 7).coefficient
        assert sp.expand(step_errors._time_derivative(S) + C) == 0


def test_fixed_time_quadrature_reproduces_the_leapfrog_engine():
    from relu_hmc.theory.acceptance import sigma0_smooth

    info = _info("q**4/4")
    assert step_errors.fixed_time_sigma0(info, "leapfrog", 1.0) == pytest.approx(sigma0_smooth(info.U, 1.0), rel=1e-6)


def test_yoshida_is_fourth_order_gamma_one_eighth():
    law = derive_scaling_law("q**2/2", integrator="yoshida4")
    assert (law["integrator_order"], law["step_size_exponent"], law["sigma_exponent"]) == (4, 0.125, 8.0)


def test_periodised_crossing_constant_differs_from_int_c_squared_only_when_stages_leave_the_step():
    """Leapfrog, position Verlet, two-stage: c lives on [0, 1], so K_T = K_L / L = int c^2.
    Yoshida's stage positions leave [0, 1]: R(1) = 1/4 - 2^(1/3)/6 != 0 and K_T = 1/2 - 2^(1/3)/4."""
    from relu_hmc.theory.splitting import crossing_phase_constant

    for name in ("leapfrog", "position_verlet", "two_stage_bcss"):
        K = crossing_phase_constant(name)
        assert sp.simplify(step_errors.crossing_constant_fixed_time(name) - K) == 0
        assert sp.simplify(step_errors.crossing_constant_fixed_steps(name, 4) - 4 * K) == 0
    cube = sp.Integer(2) ** sp.Rational(1, 3)
    assert sp.simplify(step_errors.crossing_autocorrelation("yoshida4", 1) - (sp.Rational(1, 4) - cube / 6)) == 0
    assert sp.simplify(step_errors.crossing_constant_fixed_time("yoshida4") - (sp.Rational(1, 2) - cube / 4)) == 0


@pytest.mark.parametrize("name", ["leapfrog", "position_verlet", "two_stage_bcss", "two_stage_mclachlan", "yoshida4"])
def test_fixed_time_constant_two_routes_agree(name):
    """The periodised phase int_0^1 (sum_j c(theta + j))^2 (theory.splitting) equals the sum of
    the phase autocorrelations R(0) + 2 sum_n R(n) (theory.step_errors): two derivations."""
    from relu_hmc.theory.splitting import crossing_phase_constant

    autocorrelation_sum = step_errors.crossing_autocorrelation(name, 0) + 2 * sum(
        step_errors.crossing_autocorrelation(name, n) for n in range(1, 4))
    assert sp.simplify(autocorrelation_sum - crossing_phase_constant(name)) == 0


# --- RWM, jumps, walls ---------------------------------------------------------------------------------

def test_rwm_sigma0_is_fisher_information_gaussian_and_laplace():
    assert derive_scaling_law("q**2/2", algorithm="rwm")["sigma0"] == pytest.approx(1.0, rel=1e-10)
    assert derive_scaling_law("Abs(q)", algorithm="rwm")["sigma0"] == pytest.approx(1.0, rel=1e-10)


def test_hard_walls_give_the_neal_roberts_yuen_optimum_e_to_minus_two():
    law = derive_scaling_law("0", algorithm="rwm", support=(0, 1))
    assert law["step_size_exponent"] == 1.0 and law["regularity"] == "jump"
    assert law["optimal_acceptance"] == pytest.approx(math.exp(-2), abs=1e-12)
    assert law["wall_rate"] == pytest.approx(2 / math.sqrt(2 * math.pi), rel=1e-12)  # two walls, density 1
    assert law["optimal_l"] == pytest.approx(2 / law["wall_rate"], rel=1e-9)


def test_a_piecewise_with_unequal_values_is_a_jump():
    law = derive_scaling_law("Piecewise((q**2/2, q < 0), (q**2/2 + 1, True))", algorithm="rwm")
    assert law["regularity"] == "jump" and [j["jump"] for j in law["jumps"]] == [pytest.approx(1.0)]
    assert law["optimal_acceptance"] == pytest.approx(derive_scaling_law("q**2/2 + Heaviside(q)", algorithm="rwm")
                                                      ["optimal_acceptance"], rel=1e-9)


def test_a_finite_jump_law_is_a_skellam_expectation_and_hmc_with_L_steps_rescales_l():
    from relu_hmc.theory.jumps import jump_acceptance

    rwm = derive_scaling_law("q**2/2 + Heaviside(q)", algorithm="rwm")
    hmc = derive_scaling_law("q**2/2 + Heaviside(q)", fixed_steps=2)
    assert hmc["optimal_acceptance"] == pytest.approx(rwm["optimal_acceptance"], rel=1e-6)
    assert hmc["optimal_l"] == pytest.approx(rwm["optimal_l"] / 2, rel=1e-6)
    (rate,) = rwm["jump_rates"]
    assert rate["rate_left"] / rate["rate_right"] == pytest.approx(math.exp(-1), rel=1e-10)  # pi(0+)/pi(0-)
    # brute force: sum over (N+, N-) of Poisson probabilities times min(1, exp(-(N+ - N-)))
    l, up, down = 1.7, rate["rate_right"], rate["rate_left"]
    brute = sum(mpmath.exp(-l * (up + down)) * (l * up) ** a * (l * down) ** b / mpmath.factorial(a) / mpmath.factorial(b)
                * min(1, mpmath.exp(-(a - b))) for a in range(40) for b in range(40))
    rates = {"wall": 0.0, "jumps": [(1.0, up, down)]}
    assert float(jump_acceptance(rates, l)) == pytest.approx(float(brute), rel=1e-12)


# --- refusals: one line each --------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, match", [
    (dict(expr="q**2/2 + Heaviside(q)"), "fixed T"),
    (dict(expr="0", support=(0, 1)), "walls"),
    (dict(expr="Abs(q)", algorithm="mala", integrator="yoshida4"), "mala is one leapfrog step"),
    (dict(expr="Abs(q)", algorithm="rwm", fixed_steps=2), "rwm has no integrator"),
    (dict(expr="Abs(q)", T=1.0, fixed_steps=2), "not both"),
    (dict(expr="Abs(q)", fixed_steps=0), "between 1 and"),
    (dict(expr="Abs(q)", algorithm="nuts"), "unknown algorithm"),
    (dict(expr="Abs(q)", integrator="0.5,1,0.6"), "sum to 1"),
    (dict(expr="Abs(q)", integrator="0.3,1,0.7"), "not palindromic"),
    (dict(expr="Abs(q)", integrator="verlett"), "unknown integrator"),
    (dict(expr="Piecewise((q**2/2, q < 0), (q**2/2 + Abs(q - 1) - 1, True))", algorithm="mala"), None),
])
def test_combinations_outside_the_theory_refuse_with_one_line(kwargs, match):
    expr = kwargs.pop("expr")
    if match is None:  # a kink at 1, continuous: a law, not a refusal
        assert derive_scaling_law(expr, **kwargs)["regularity"] == "kinked"
        return
    with pytest.raises(ValueError, match=match) as info:
        derive_scaling_law(expr, **kwargs)
    assert "\n" not in str(info.value)


# --- Hoelder points beyond leapfrog at fixed T (proofs_notes/holder_interpolation.md) ------------------

HOLDER_DENSITY = 1 / (2 * math.gamma(5 / 3))  # pi(0) of exp(-|q|^1.5)


@pytest.mark.parametrize("kwargs, two_k, m", [
    (dict(algorithm="mala"), 4.0, 2),                       # 2 alpha + 1, one step
    (dict(fixed_steps=3), 4.0, 2),
    (dict(integrator="yoshida4", fixed_steps=2), 4.0, 2),
    (dict(integrator="position_verlet"), 3.0, 1),           # 2 alpha, fixed T
    (dict(integrator="two_stage_bcss", T=2.0), 3.0, 1),
])
def test_hoelder_laws_for_mala_fixed_steps_and_other_splittings(kwargs, two_k, m):
    """|q|^1.5: fixed T gives Sigma ~ l^(2 alpha), gamma = 1/(2 alpha); L steps and MALA give
    Sigma ~ l^(2 alpha + 1), gamma = 1/(2 alpha + 1), efficiency l^2 a(l); Sigma_0 is
    pi(0) E|p|^4 times theory.holder's phase constant (E|p|^4 = 3)."""
    from relu_hmc.theory.holder import holder_phase_constant, holder_steps_constant

    law = derive_scaling_law("Abs(q)**(3/2)", **kwargs)
    assert law["regularity"] == "holder" and law["sigma_exponent"] == two_k and law["efficiency_exponent"] == m
    assert law["step_size_exponent"] == pytest.approx(1 / two_k)
    splitting = kwargs.get("integrator", "leapfrog")
    if m == 1:
        constant = kwargs.get("T", 1.0) * float(holder_phase_constant(1.5, splitting))
    else:
        constant = float(holder_steps_constant(1.5, kwargs.get("fixed_steps", 1), splitting))
    assert law["sigma0"] == pytest.approx(HOLDER_DENSITY * 3 * constant, rel=1e-9)
    assert "derived here" in law["source"] or "own derivation" in law["source"]


def test_hoelder_fixed_steps_beyond_the_computed_range_gives_the_exponents_and_a_note():
    law = derive_scaling_law("Abs(q)**(3/2)", fixed_steps=100)
    assert law["sigma0"] is None and law["sigma_exponent"] == 4.0 and "L <=" in law["sigma0_note"]


# --- the note's displayed formulas are what the code produces ---------------------------------------

BLOCK = re.compile(r"```limit-check name=(\w+)\n(.*?)\n```", re.S)


def _produced(name):
    plain = lambda e: e.subs({s: sp.Symbol(s.name) for s in e.free_symbols})  # noqa: E731
    if name == "leapfrog_one_step_p_moment":
        from relu_hmc.theory.splitting import local_energy_error

        return plain(step_errors._p_expectation(local_energy_error("leapfrog", 5).coefficient ** 2))
    if name == "yoshida_fixed_time_phase_constant":
        return step_errors.crossing_constant_fixed_time("yoshida4")
    if name == "yoshida_one_step_autocorrelation":
        return step_errors.crossing_autocorrelation("yoshida4", 1)
    if name == "leapfrog_shadow_term":
        return plain(step_errors.shadow_term("leapfrog"))
    raise KeyError(name)


def test_note_has_source_and_checked_blocks_equal_to_theory():
    text = NOTE.read_text()
    assert "**Source.**" in text and "**Checked by**" in text
    blocks = BLOCK.findall(text)
    assert len(blocks) >= 4
    for name, shown in blocks:
        assert sp.simplify(sp.sympify(shown) - _produced(name)) == 0, name


@pytest.mark.slow
@pytest.mark.parametrize("name", ["yoshida4", "two_stage_bcss"])
def test_kinked_fixed_time_constant_matches_the_splitting_kernel(name):
    """Var(dh_1) / (eps^2 T J^2 pi(0) E|p|^3) on the Laplace target (J = 2, pi(0) = 1/2) run by
    numerics.splitting_trajectory at eps = 0.01, T = 1, against K_T of theory.step_errors;
    tolerance 4 SE + 0.02 K_T (the O(eps) remainder of the crossing expansion: relative eps = 0.01,
    doubled). For Yoshida K_T = 1/2 - 2^(1/3)/4 = 0.185, not int c^2 = 0.105."""
    import numpy as np

    from relu_hmc.numerics.estimators import variance_estimate
    from relu_hmc.numerics.potentials import laplace
    from relu_hmc.numerics.splitting_trajectory import splitting_trajectory

    potential, rng, eps, n = laplace(1.0), np.random.default_rng(11), 0.01, 100_000
    q, p = potential.sample(rng, (n, 1)), rng.standard_normal((n, 1))
    dh = splitting_trajectory(potential, q, p, eps, 100, name).energy_error.ravel()
    scale = eps**2 * 4 * 0.5 * 2 * math.sqrt(2 / math.pi)
    measured = variance_estimate(dh)
    K = float(step_errors.crossing_constant_fixed_time(name))
    assert abs(measured.value / scale - K) <= 4 * measured.se / scale + 0.02 * K
