"""relu_hmc.theory.holder: passage error Delta^alpha G(theta) via Hurwitz zeta; reduces to the kink at alpha=1."""
import math

import mpmath
import pytest

from relu_hmc.theory.holder import holder_phase_function, holder_phase_moments, normal_abs_moment, sigma0_holder
from relu_hmc.theory.kink import sigma0_kinked_from_kinks


@pytest.mark.parametrize("theta", [0.1, 0.37, 0.5, 0.9])
def test_alpha_one_is_the_kink_phase_coefficient(theta):
    c = 1.7
    assert math.isclose(holder_phase_function(theta, 1, c, c), 2 * c * (0.5 - theta), rel_tol=1e-12, abs_tol=1e-14)


def test_alpha_one_sigma0_equals_kink_formula():
    c, pi_b, T = 1.3, 0.4, 2.0
    assert math.isclose(sigma0_holder(1.0, T, pi_b, c, c), sigma0_kinked_from_kinks([(2 * c, pi_b)], T), rel_tol=1e-12)


def test_phase_mean_zero_and_second_moment_positive():
    mean, second = holder_phase_moments(1.5, dps=15)
    assert abs(mean) < 1e-12 and second > 0


def test_normal_abs_moment():
    assert math.isclose(normal_abs_moment(3), 2 * math.sqrt(2 / math.pi), rel_tol=1e-14)
    assert math.isclose(normal_abs_moment(2), 1.0, rel_tol=1e-14)


@pytest.mark.parametrize("alpha, q0", [(1.5, -2.0), (1.5, -2.0007), (1.3, -2.0003)])
def test_passage_error_matches_plain_leapfrog(alpha, q0):
    """Independent check of the derivation: float leapfrog through U = |q|^alpha.

    dH - eps^2 [S(start) - S(end)] (smooth shadow part, S = p^2 U''/12 - U'^2/24) must equal
    (eps p_c)^alpha G(theta) with theta, p_c read off the crossing step; the relative error is
    o(1) as eps -> 0 (about 5e-6 at eps = 1e-3 for alpha = 1.5).
    """
    eps = 1e-3
    f = lambda x: alpha * abs(x) ** (alpha - 1) * math.copysign(1, x)  # noqa: E731
    U = lambda x: abs(x) ** alpha  # noqa: E731
    S = lambda x, y: y * y * alpha * (alpha - 1) * abs(x) ** (alpha - 2) / 12 - f(x) ** 2 / 24  # noqa: E731
    q, p = q0, 3.0
    H0, S0, g = U(q) + p * p / 2, S(q, p), f(q)
    while q < 2.0:
        ph = p - eps / 2 * g
        qn = q + eps * ph
        if q < 0 <= qn:
            theta, pc = -q / (qn - q), ph
        q, g = qn, f(qn)
        p = ph - eps / 2 * g
    passage = U(q) + p * p / 2 - H0 - eps**2 * (S0 - S(q, p))
    predicted = (eps * pc) ** alpha * float(holder_phase_function(theta, alpha))
    assert math.isclose(passage, predicted, rel_tol=1e-4)


def test_bad_alpha_refused():
    with pytest.raises(ValueError):
        holder_phase_function(0.5, 2.5)
    with pytest.raises(ValueError):
        holder_phase_function(1.5, 1.5)
    assert mpmath.mpf(1)  # mpmath available


# --- any splitting, fixed time or fixed steps (MALA = leapfrog, one step) -------------------------

from relu_hmc.theory.holder import (holder_phase_constant, holder_steps_constant, sigma0_holder_splitting,  # noqa: E402
                                    splitting_phase_function, splitting_step_function, variance_remainder_powers)
from relu_hmc.theory.step_errors import crossing_constant_fixed_steps, crossing_constant_fixed_time  # noqa: E402

SPLITTINGS = ("leapfrog", "position_verlet", "two_stage_bcss", "yoshida4")


@pytest.mark.parametrize("splitting", SPLITTINGS)
def test_alpha_one_fixed_time_constant_is_the_kink_phase_constant_of_every_splitting(splitting):
    """At alpha = 1, c_- = c_+ = 1 (J = 2) the Hurwitz-zeta passage constant is J^2 K_T of
    theory.step_errors, derived there from the splitting's crossing phase function."""
    assert float(holder_phase_constant(1, splitting)) == pytest.approx(4 * float(crossing_constant_fixed_time(splitting)),
                                                                         rel=1e-9)


@pytest.mark.parametrize("splitting, n_steps", [("leapfrog", 1), ("leapfrog", 3), ("position_verlet", 2),
                                                ("two_stage_bcss", 1), ("yoshida4", 3)])
def test_alpha_one_fixed_steps_constant_is_the_kink_constant_K_L(splitting, n_steps):
    assert float(holder_steps_constant(1, n_steps, splitting)) == pytest.approx(
        4 * float(crossing_constant_fixed_steps(splitting, n_steps)), rel=1e-9)


@pytest.mark.parametrize("theta", [0.1, 0.37, 0.8])
def test_leapfrog_splitting_phase_function_is_the_original_one(theta):
    assert float(splitting_phase_function(theta, 1.5, "leapfrog", 0.7, 1.2)) == pytest.approx(
        float(holder_phase_function(theta, 1.5, 0.7, 1.2)), rel=1e-12)
    assert sigma0_holder_splitting(1.5, T=2.0, density_at_point=0.4) == pytest.approx(sigma0_holder(1.5, 2.0, 0.4),
                                                                                        rel=1e-12)


@pytest.mark.parametrize("alpha, x, splitting", [(1.5, -0.3, "leapfrog"), (1.3, -0.8, "leapfrog"),
                                                 (1.5, 0.6, "leapfrog"), (1.5, -0.45, "two_stage_bcss")])
def test_one_step_error_matches_a_float_step_through_the_point(alpha, x, splitting):
    """Independent check: one float step of the splitting on U = |q|^alpha from q_0 = eps p x errs
    by (eps p)^alpha g(x) to relative O(eps^alpha) (here 1e-6 at eps = 1e-4)."""
    from relu_hmc.splittings import resolve

    split = resolve(splitting)
    eps, p = 1e-4, 1.3
    f = lambda s: alpha * abs(s) ** (alpha - 1) * math.copysign(1, s)  # noqa: E731
    q = q0 = eps * p * x
    mom = p
    for i, k in enumerate(split.kick_values):
        mom -= k * eps * f(q)
        if i < len(split.drift_values):
            q += split.drift_values[i] * eps * mom
    dh = abs(q) ** alpha + mom * mom / 2 - abs(q0) ** alpha - p * p / 2
    assert dh == pytest.approx((eps * p) ** alpha * float(splitting_step_function(x, alpha, splitting)), rel=1e-4)


def test_steps_constant_grows_with_L_and_refuses_large_L():
    one, two = float(holder_steps_constant(1.5, 1)), float(holder_steps_constant(1.5, 2))
    assert 0 < one < two
    with pytest.raises(ValueError, match="1 <= L <="):
        holder_steps_constant(1.5, 10_000)


def test_variance_remainder_powers():
    assert variance_remainder_powers(1.5) == (1.0, 1.0)
    assert variance_remainder_powers(1.25) == (1.0, 1.5)
    assert variance_remainder_powers(1.75) == pytest.approx((0.5, 1.0))
    with pytest.raises(ValueError):
        variance_remainder_powers(2.0)
