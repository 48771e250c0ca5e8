"""Every ```checked name=...``` formula in proofs_notes/ equals what theory/ produces."""
import re
from pathlib import Path

import pytest
import sympy as sp

NOTES = Path(__file__).resolve().parent.parent / "proofs_notes"
BLOCK = re.compile(r"```checked name=(\w+)\n(.*?)\n```", re.S)
U1, U2, U3, U4, p = sp.symbols("U1 U2 U3 U4 p")


def _jet(expr):
    from relu_hmc.theory.smooth import generic_potential

    U, (q,), (pq,) = generic_potential(1)
    subs = {sp.diff(U, q, k): s for k, s in ((4, U4), (3, U3), (2, U2), (1, U1))}
    return expr.subs(subs).subs(pq, p)


def _produced(name):
    if name == "smooth_energy_coefficient":
        from relu_hmc.theory.smooth import energy_error_leading_coefficient
        return _jet(energy_error_leading_coefficient())
    if name in ("shadow_S2", "shadow_S4"):
        from relu_hmc.theory.shadow import shadow_terms_generic
        return _jet(shadow_terms_generic(4)[int(name[-1])])
    if name == "kink_linear_dH":
        from relu_hmc.theory.kink import piecewise_linear_crossing_error
        return piecewise_linear_crossing_error().subs({s: sp.Symbol(s.name) for s in piecewise_linear_crossing_error().free_symbols})
    if name == "kink_sigma0":
        from relu_hmc.theory.kink import kinked_sigma0_expression
        e = kinked_sigma0_expression()
        return e.subs({s: sp.Symbol(s.name) for s in e.free_symbols})
    if name == "gaussian_sigma0":
        from relu_hmc.theory.acceptance import gaussian_sigma0
        return gaussian_sigma0(sp.Symbol("T"))
    if name == "holder_alpha_one":
        from relu_hmc.theory.holder import holder_phase_function
        return holder_phase_function
    raise KeyError(name)


def _blocks():
    out = []
    for path in sorted(NOTES.glob("*.md")):
        out += [(path.name, name, text) for name, text in BLOCK.findall(path.read_text())]
    return out


def test_every_note_exists_and_has_source_and_check():
    names = {p.stem for p in NOTES.glob("*.md")}
    assert {"smooth_local_error", "shadow_hamiltonian", "kink_crossing", "acceptance_limit",
            "optimal_acceptance", "holder_interpolation"} <= names
    for path in NOTES.glob("*.md"):
        text = path.read_text()
        assert "**Source.**" in text and "**Checked by**" in text


@pytest.mark.parametrize("note, name, text", _blocks())
def test_checked_formula_equals_theory(note, name, text):
    displayed = sp.sympify(text, locals={"pi": sp.pi})
    produced = _produced(name)
    if callable(produced):  # numeric function of theta: compare on a grid
        c = 1.3
        for theta in (0.1, 0.35, 0.8):
            shown = displayed.subs({sp.Symbol("c"): c, sp.Symbol("theta"): theta})
            assert abs(float(shown) - float(produced(theta, 1, c, c))) < 1e-12
        return
    plain = lambda e: e.subs({s: sp.Symbol(s.name) for s in e.free_symbols})  # noqa: E731
    assert sp.simplify(plain(displayed) - plain(produced)) == 0, (note, name)
