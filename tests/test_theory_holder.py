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
