"""relu_hmc.theory.kink: exact crossing-step energy error, its phase expansion and moments."""
import math

import sympy as sp
import strategies as S
from hypothesis import assume, given, strategies as st

from relu_hmc.theory.kink import (
    B, EPS, G_MINUS, G_PLUS, P, Q, THETA,
    crossing_error_in_phase, crossing_step_energy_error, kinked_sigma0_expression,
    leading_crossing_term, phase_variance, piecewise_linear_crossing_error,
    piecewise_linear_pieces, standard_normal_abs_moment, uniform_phase_moments,
)

J = G_PLUS - G_MINUS


def test_piecewise_linear_closed_form_is_design_formula():
    """DESIGN item 2: dH = J (q_rel + eps p/2) + eps^2 J^2/8, checked from the map."""
    assert sp.expand(piecewise_linear_crossing_error() - (J * (Q - B + EPS * P / 2) + EPS**2 * J**2 / 8)) == 0


def test_phase_form_and_leading_term():
    dH = crossing_error_in_phase(*piecewise_linear_pieces(), B)
    assert sp.expand(dH - (EPS * J * P * (sp.Rational(1, 2) - THETA) + EPS**2 * J**2 / 8)) == 0
    order, coeff = leading_crossing_term(*piecewise_linear_pieces(), B)
    assert order == 1 and sp.simplify(coeff - J * P * (sp.Rational(1, 2) - THETA)) == 0


def test_polynomial_pieces_leading_term_uses_jump_at_kink():
    U_left = Q**2 / 2 + Q
    U_right = Q**2 / 2 + 4 * Q - Q**3  # continuous at 0, U'(0+) - U'(0-) = 3
    order, coeff = leading_crossing_term(U_left, U_right, 0)
    assert order == 1 and sp.simplify(coeff - 3 * P * (sp.Rational(1, 2) - THETA)) == 0


def test_uniform_phase_moments():
    mean, second = uniform_phase_moments(J * P * (sp.Rational(1, 2) - THETA))
    assert mean == 0 and sp.simplify(second - J**2 * P**2 / 12) == 0
    assert phase_variance() == sp.Rational(1, 12)


def test_kinked_sigma0_expression_derived():
    T, pi_b = sp.symbols("T pi_b", positive=True)
    Jsym = sp.Symbol("J", real=True)
    assert standard_normal_abs_moment(3) == 2 * sp.sqrt(2 / sp.pi)
    assert sp.simplify(kinked_sigma0_expression() - T * Jsym**2 * pi_b * 2 * sp.sqrt(2 / sp.pi) / 12) == 0


_slope = S.kink_slopes(5.0)
_unit = S.crossing_phases()


@given(g_minus=_slope, g_plus=_slope, p=st.floats(0.2, 3), eps=st.floats(1e-3, 0.3), theta=_unit)
def test_exact_formula_matches_plain_leapfrog_step(g_minus, g_plus, p, eps, theta):
    """Property: one float leapfrog step across a kink at b = 0.3 has exactly the closed-form dH
    whenever the crossing conditions hold (q < b < q1)."""
    b = 0.3
    q = b - theta * eps * p
    U = lambda x: g_minus * (x - b) if x < b else g_plus * (x - b)  # noqa: E731
    force = lambda x: g_minus if x < b else g_plus  # noqa: E731
    ph = p - eps / 2 * force(q)
    q1 = q + eps * ph
    assume(q1 > b)
    p1 = ph - eps / 2 * force(q1)
    measured = U(q1) + p1 * p1 / 2 - U(q) - p * p / 2
    jump = g_plus - g_minus
    predicted = jump * (q - b + eps * p / 2) + eps**2 * jump**2 / 8
    assert math.isclose(measured, predicted, rel_tol=1e-9, abs_tol=1e-12)


def test_generic_pieces_exact_energy_error():
    """Exact dH for arbitrary pieces equals the direct evaluation of H after the step."""
    Ul, Ur = sp.sin(Q), sp.sin(Q) + 2 * Q
    dH = crossing_step_energy_error(Ul, Ur)
    ph = P - EPS / 2 * sp.cos(Q)
    q1 = Q + EPS * ph
    p1 = ph - EPS / 2 * (sp.cos(q1) + 2)
    direct = sp.sin(q1) + 2 * q1 - sp.sin(Q) + (p1**2 - P**2) / 2
    assert sp.simplify(dH - direct) == 0


def test_crossing_conditions_are_start_left_and_end_right():
    from relu_hmc.theory.kink import crossing_conditions

    cond = crossing_conditions(G_MINUS * (Q - B), B)
    values = {G_MINUS: 1, B: 0, P: 1, EPS: sp.Rational(1, 10)}
    assert cond.subs({**values, Q: sp.Rational(-1, 20)}) == sp.true  # q1 = -0.05 + 0.1*0.95 > 0
    assert cond.subs({**values, Q: sp.Rational(-1, 5)}) == sp.false  # q1 < 0: no crossing
    assert cond.subs({**values, Q: sp.Rational(1, 20)}) == sp.false  # starts right of the kink
