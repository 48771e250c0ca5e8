"""relu_hmc.theory.shadow: BCH shadow Hamiltonian, solved ansatz to eps^4, and conservation checks."""
import pytest
import sympy as sp

from relu_hmc.theory.shadow import (
    shadow_hamiltonian,
    shadow_residual,
    shadow_term_bch,
    shadow_term_formula,
    shadow_terms_generic,
)
from relu_hmc.theory.smooth import EPS, generic_potential, hamiltonian, leading_term

U, (q,), (p,) = generic_potential(1)
D = [sp.diff(U, q, k) for k in range(5)]


def test_bch_equals_design_formula_in_one_and_two_dimensions():
    assert sp.simplify(shadow_term_bch() - (p**2 * D[2] / 12 - D[1] ** 2 / 24)) == 0
    U2, qs, ps = generic_potential(2)
    assert sp.simplify(shadow_term_bch(U2, qs, ps) - shadow_term_formula(U2, qs, ps)) == 0


def test_solved_ansatz_reproduces_s2_and_gives_s4():
    """S4 provenance: solved by shadow_terms_generic(4) (sympy 1.14), checked by conservation below."""
    terms = shadow_terms_generic(4)
    assert sp.simplify(terms[2] - shadow_term_bch()) == 0
    S4 = -p**4 * D[4] / 720 + p**2 * D[1] * D[3] / 120 + p**2 * D[2] ** 2 / 60 - D[1] ** 2 * D[2] / 240
    assert sp.simplify(terms[4] - S4) == 0


def test_eps2_truncation_is_conserved_to_eps5_per_step_1d():
    H2 = hamiltonian(U, (q,), (p,)) + EPS**2 * shadow_term_bch()
    residual = shadow_residual(U, H2, 5)
    order, coefficient = leading_term(residual, 5)
    assert order == 5 and coefficient != 0
    # while H itself changes at eps^3
    assert leading_term(shadow_residual(U, hamiltonian(U, (q,), (p,)), 3), 3)[0] == 3


def test_eps2_truncation_is_conserved_to_eps5_per_step_2d():
    """Concrete coupled 2D potential (the generic U(q1, q2) version is correct but takes minutes)."""
    qs, ps = sp.symbols("q1 q2", real=True), sp.symbols("p1 p2", real=True)
    U2 = qs[0] ** 4 / 4 + qs[0] * qs[1] ** 2 + qs[1] ** 2 / 2
    H2 = hamiltonian(U2, qs, ps) + EPS**2 * shadow_term_formula(U2, qs, ps)
    assert sp.expand(shadow_residual(U2, H2, 4, qs, ps)) == 0  # O(eps^5)


def test_eps4_truncation_conserved_to_eps7_for_quartic():
    """Concrete U = q^4/4 - q^2: H + eps^2 S2 + eps^4 S4 changes by O(eps^7) per step."""
    Uc = q**4 / 4 - q**2
    H4 = shadow_hamiltonian(Uc, order=4)
    residual = shadow_residual(Uc, H4, 7)
    order, _ = leading_term(residual, 7)
    assert order == 7


def test_harmonic_oscillator_shadow_is_proportional_to_exact_invariant():
    """For U = q^2/2, leapfrog conserves p^2/2 + (1 - eps^2/4) q^2/2 exactly; H~ must be a
    multiple of it up to O(eps^6)."""
    H4 = sp.expand(shadow_hamiltonian(q**2 / 2, order=4))
    a, b = H4.coeff(q, 2), H4.coeff(p, 2)
    ratio = sp.series(a / b, EPS, 0, 6).removeO()
    assert sp.expand(ratio - (1 - EPS**2 / 4)) == 0


@pytest.mark.slow
def test_eps2_truncation_is_conserved_to_eps5_per_step_generic_2d():
    """Generic U(q1, q2) (about 15 s): the multi-d S2 is exact at its order for every U."""
    U2, qs, ps = generic_potential(2)
    H2 = hamiltonian(U2, qs, ps) + EPS**2 * shadow_term_formula(U2, qs, ps)
    assert sp.expand(shadow_residual(U2, H2, 4, qs, ps)) == 0
