"""theory.splitting: the energy error of any splitting, on smooth and on kinked U.

Smooth: the jet series reproduces theory.smooth for leapfrog and, for every built-in, equals
the exact composed map on a concrete polynomial U (where the step is a polynomial in eps, so
no Taylor expansion is involved). Kinked: the symbolic crossing step reproduces theory.kink for
leapfrog, its first-order term is eps J |p| c(theta), and the Sigma_0 constant K = int c^2
reproduces leapfrog's 1/12. The formulas of proofs_notes/splittings.md are checked here.
"""
from __future__ import annotations

import re
from fractions import Fraction
from pathlib import Path

import pytest
import strategies as S
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from relu_hmc import splittings
from relu_hmc.theory import kink, smooth
from relu_hmc.theory import splitting as theory
from relu_hmc.theory.kink import B, G_MINUS, G_PLUS, P, Q, THETA
from relu_hmc.theory.smooth import EPS

NAMES = splittings.BUILTIN_NAMES
LOCAL_ORDER = {"leapfrog": 3, "position_verlet": 3, "two_stage_bcss": 3, "two_stage_mclachlan": 3, "yoshida4": 5}
NOTE = Path(__file__).resolve().parent.parent / "proofs_notes" / "splittings.md"


# --- smooth U ---------------------------------------------------------------------------------

def test_leapfrog_coefficient_reproduces_theory_smooth():
    order, coefficient = theory.energy_error_leading_coefficient("leapfrog")
    assert order == 3
    assert sp.simplify(coefficient - smooth.energy_error_leading_coefficient()) == 0


@pytest.mark.parametrize("name", NAMES)
def test_local_energy_error_orders(name):
    """Leapfrog, position Verlet and the two-stage family: eps^3 (global eps^2); Yoshida's
    triple jump: eps^5 (global eps^4)."""
    assert theory.energy_error_order(name) == LOCAL_ORDER[name]


@pytest.mark.parametrize("name", NAMES)
def test_jet_series_equals_the_exact_map_on_a_polynomial_potential(name):
    """On U = q^5/5 - q^3/3 + q^2/2 - q the step is a polynomial map in eps: compose it
    directly in the polynomial ring (exact coefficients, substitution instead of the Taylor
    formula; terms above eps^6 dropped after each stage, which cannot change the lower ones)
    and compare H(step) - H, power by power."""
    top = 6
    U = Q**5 / 5 - Q**3 / 3 + Q**2 / 2 - Q
    kicks, drifts = theory.exact_coefficients(name)
    r = sp.Symbol("r")  # 2^(1/3) (Yoshida's coefficients), reduced with r^3 = 2
    gens = (Q, P, EPS, r)

    def poly(expr):
        return sp.Poly(sp.expand(expr).xreplace({sp.cbrt(2): r, sp.cbrt(4): r**2}), *gens)

    def truncated(f):
        terms = {}
        for (a, b, e, k), c in f.as_dict().items():
            if e <= top:
                key = (a, b, e, k % 3)
                terms[key] = terms.get(key, 0) + c * 2 ** (k // 3)
        return sp.Poly.from_dict(terms, *gens, domain=f.domain)

    def at(g, x):  # g(x) for a polynomial g in q, by Horner in the ring, truncated
        out = poly(0)
        for c in sp.Poly(g, Q).all_coeffs():
            out = truncated(out * x + poly(c))
        return out

    x, v = poly(Q), poly(P)
    for i, k in enumerate(kicks):
        v = truncated(v - poly(k * EPS) * at(sp.diff(U, Q), x))
        if i < len(drifts):
            x = truncated(x + poly(drifts[i] * EPS) * v)
    dH = (at(U, x) - poly(U) + (v * v - poly(P**2)) * poly(sp.Rational(1, 2))).as_expr().subs(r, sp.cbrt(2))
    series = theory.local_energy_error(name, top).series
    for n in range(top + 1):
        assert sp.expand(sp.expand(dH).coeff(EPS, n) - theory.jet_to_function(series[n], U)) == 0, (name, n)


@given(S.splitting_coefficient_lists(max_drifts=3))
def test_every_consistent_symmetric_splitting_has_no_eps_or_eps2_energy_error(flat):
    """Consistency kills eps^1, symmetry eps^2 (and every even power of the modified
    Hamiltonian): the local energy error starts at eps^3 or later."""
    series = theory.local_energy_error(splittings.from_coefficients(flat), 3).series
    assert series[0] == series[1] == series[2] == 0


# --- piecewise-linear U ------------------------------------------------------------------------

def test_leapfrog_crossing_step_reproduces_theory_kink():
    _, _, dH = theory.crossing_step("leapfrog", (False, True))
    assert sp.simplify(dH - kink.piecewise_linear_crossing_error()) == 0


@pytest.mark.parametrize("name", NAMES)
def test_first_order_crossing_error_is_eps_J_abs_p_c_theta(name):
    """On each phase interval (fixed sides) the eps^0 term of the exact dH vanishes and the
    eps^1 term equals J |p| c(theta); both are linear in theta, so agreement at two interior
    points of the interval is agreement on all of it. p < 0 mirrors p > 0."""
    c = theory.crossing_phase_function(name)
    J = G_PLUS - G_MINUS
    for lo, hi, sides in theory.phase_intervals(name):
        for sign in (1, -1):
            p = sign * sp.Symbol("a", positive=True)
            mirrored = sides if sign > 0 else tuple(not s for s in sides)
            _, _, dH = theory.crossing_step(name, mirrored, q=B - THETA * EPS * p, p=p)
            dH = sp.expand(dH)
            assert dH.coeff(EPS, 0) == 0
            for t in (lo + (hi - lo) / 3, lo + 2 * (hi - lo) / 3):
                first = dH.coeff(EPS, 1).subs(THETA, t)
                assert sp.expand(first - J * abs(p) * c.subs(THETA, t)) == 0, (name, sides, sign)


@pytest.mark.parametrize("name", NAMES)
def test_phase_function_has_mean_zero_and_support_between_the_extreme_stages(name):
    mean, second = theory.crossing_phase_moments(name)
    assert mean == 0  # int c = 1/2 - sum k_i D_i = 0 for a palindrome
    D = [float(x) for x in theory.cumulative_drifts(name)]
    c = theory.crossing_phase_function(name)
    assert c.subs(THETA, min(D) - 0.01) == 0 and c.subs(THETA, max(D) + 0.01) == 0
    assert float(second) > 0


def test_kinked_sigma0_constants():
    """Leapfrog and position Verlet: K = 1/12 (theory.kink's Sigma_0); two-stage:
    (2/3)(b^3 + (1/2 - b)^3), smallest (1/48) at b = 1/4; Yoshida: 2^(1/3)/12."""
    assert theory.crossing_phase_constant("leapfrog") == sp.Rational(1, 12)
    assert theory.crossing_phase_constant("position_verlet") == sp.Rational(1, 12)
    assert sp.simplify(theory.kinked_sigma0_expression("leapfrog") - kink.kinked_sigma0_expression()) == 0
    # Yoshida's stages leave the step: one crossing touches two steps whose errors add
    assert sp.simplify(theory.crossing_phase_moments("yoshida4")[1] - sp.cbrt(2) / 12) == 0
    assert sp.simplify(theory.crossing_phase_constant("yoshida4") - (sp.Rational(1, 2) - sp.cbrt(2) / 4)) == 0
    assert theory.crossing_phase_constant(splittings.two_stage("1/4")) == sp.Rational(1, 48)


@given(st.fractions(Fraction(0), Fraction(1, 2), max_denominator=50))
def test_two_stage_constant_is_the_closed_form(b):
    K = theory.crossing_phase_constant(splittings.two_stage(b))
    assert K == sp.Rational(2, 3) * (sp.Rational(b) ** 3 + (sp.Rational(1, 2) - sp.Rational(b)) ** 3)
    assert K >= sp.Rational(1, 48)


@given(splitting=st.sampled_from(NAMES), q=S.coordinates(2.0), p=S.coordinates(2.5),
       eps=S.step_sizes(1e-3, 0.3), g_minus=S.kink_slopes(), g_plus=S.kink_slopes())
def test_exact_step_with_equal_slopes_is_the_smooth_linear_step(splitting, q, p, eps, g_minus, g_plus):
    """Without a kink (g_- = g_+ = g) U is linear, every splitting integrates it exactly
    (constant force): dH = 0 whatever the sides."""
    step = theory.piecewise_linear_step(splitting, q, p, eps, g_minus, g_minus, 0.3)
    assert step.energy_error == 0


# --- proofs_notes/splittings.md -----------------------------------------------------------------

BLOCK = re.compile(r"```splitting-check name=(\w+)\n(.*?)\n```", re.S)
U1, U2, U3, U4, U5, p_plain, b_plain = sp.symbols("U1 U2 U3 U4 U5 p b")


def _plain(expr):
    return expr.subs({s: sp.Symbol(s.name) for s in expr.free_symbols})


def _produced(name):
    if name == "leapfrog_coefficient":
        return _plain(theory.local_energy_error("leapfrog", 3).coefficient)
    if name == "position_verlet_coefficient":
        return _plain(theory.local_energy_error("position_verlet", 3).coefficient)
    if name == "two_stage_coefficient":  # as a function of b: from two rational b's it is quadratic in b
        return None
    if name == "yoshida_coefficient":
        return _plain(theory.local_energy_error("yoshida4", 5).coefficient)
    if name == "two_stage_K":
        return None
    if name == "yoshida_K":
        return theory.crossing_phase_constant("yoshida4")
    raise KeyError(name)


def _two_stage_check(name, displayed):
    for b in (Fraction(1, 5), Fraction(1, 4), Fraction(3, 10), Fraction(21178, 100000)):
        s = splittings.two_stage(b)
        produced = (_plain(theory.local_energy_error(s, 3).coefficient) if name == "two_stage_coefficient"
                    else theory.crossing_phase_constant(s))
        assert sp.expand(displayed.subs(b_plain, sp.Rational(b)) - produced) == 0, (name, b)


def test_note_exists_with_source_and_check():
    text = NOTE.read_text()
    assert "**Source.**" in text and "**Checked by**" in text
    assert len(BLOCK.findall(text)) >= 5


@pytest.mark.parametrize("name, text", BLOCK.findall(NOTE.read_text()))
def test_note_formula_equals_theory(name, text):
    displayed = sp.sympify(text)
    if name.startswith("two_stage"):  # cubic or lower in b: four values of b decide it
        _two_stage_check(name, displayed)
        return
    assert sp.simplify(displayed - _produced(name)) == 0, name


def test_mclachlans_b_minimises_the_size_of_the_eps3_shadow_term():
    """Provenance of the frozen 0.1931833275037836: the two-stage energy error is C = -L S3 with
    S3 = a(b) p^2 U'' + c(b) U'^2 (the brackets {T,{T,U}} and {U,{U,T}}), so from
    C = alpha p U'U'' + beta p^3 U''': a = -beta, c = a - alpha/2; McLachlan (1995) minimises
    a^2 + c^2, and its stationary point in (0, 1/2) is the frozen b to double precision."""
    b = sp.Symbol("b")
    U1s, U2s, U3s, ps = theory.JET[0], theory.JET[1], theory.JET[2], P
    samples = []
    for value in (Fraction(1, 5), Fraction(1, 4), Fraction(3, 10)):  # alpha, beta are quadratic in b
        C = theory.local_energy_error(splittings.two_stage(value), 3).coefficient
        samples.append((sp.Rational(value), C.coeff(ps * U1s * U2s), C.coeff(ps**3 * U3s)))
    alpha = sp.interpolate([(x, a) for x, a, _ in samples], b)
    beta = sp.interpolate([(x, c) for x, _, c in samples], b)
    a, c = -beta, -beta - alpha / 2
    roots = [r for r in sp.Poly(sp.diff(a**2 + c**2, b), b).nroots(n=30) if r.is_real and 0 < r < 0.5]
    assert len(roots) == 1
    assert abs(float(roots[0]) - float(splittings.MCLACHLAN_B)) < 1e-16
