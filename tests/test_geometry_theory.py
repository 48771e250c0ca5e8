"""relu_hmc.theory.geometry: symbolic identities of the shallow ReLU posterior (issue 8).

Each test checks a displayed formula of proofs_notes/relu_geometry.md exactly (SymPy
expansion to zero), on a small symbolic model (n0 = 2 inputs, n1 = 2 neurons, 2 data points)."""
import pytest
import sympy as sp

from relu_hmc.theory import geometry as tg
from relu_hmc.theory.errors import TheoryInputError


@pytest.fixture(scope="module")
def model():
    return tg.shallow_relu_model(2, 2, 2)


@pytest.fixture(scope="module")
def hessian(model):
    return tg.hessian(model)


def _is_zero(matrix) -> bool:
    return all(sp.expand(e) == 0 for e in matrix)


def test_layout_matches_model_parameters(model):
    idx = tg.layout(2, 2)
    assert model.params[idx["W"][1][0]] == model.W[1, 0]
    assert model.params[idx["b"][0]] == model.b[0]
    assert model.params[idx["a"][1]] == model.a[1]
    assert model.params[idx["c"]] == model.c
    assert len(model.params) == tg.parameter_count(2, 2) == 9


@pytest.mark.parametrize("i,j", [(0, 0), (0, 1), (1, 0), (1, 1)])
def test_gradient_jump_closed_form_and_normal(model, i, j):
    jump = tg.gradient_jump(model, i, j)
    assert _is_zero(jump - tg.gradient_jump_closed_form(model, i, j))
    # normal to the surface: jump = J n exactly
    tangential = tg.gradient_jump_closed_form(model, i, j) - tg.normal_jump(model, i, j) * tg.unit_normal(model, i, j)
    assert all(sp.simplify(e) == 0 for e in tangential)


def test_directional_jump_is_J_times_cosine(model):
    d = sp.Matrix(sp.symbols("d1:10", real=True))
    n = tg.unit_normal(model, 0, 1)
    expected = tg.normal_jump(model, 0, 1) * (n.T * d)[0, 0] / sp.sqrt((d.T * d)[0, 0])
    assert sp.simplify(tg.directional_jump(model, 0, 1, d) - expected) == 0


def test_output_derivatives_closed_forms(model):
    for i in range(2):
        assert _is_zero(model.gradient(model.output(i)) - tg.output_gradient_closed_form(model, i))
        assert _is_zero(tg.output_hessian_regular(model, i) - tg.output_hessian_closed_form(model, i))


def test_regular_hessian_is_gauss_newton_plus_cross_plus_prior(model, hessian):
    assert _is_zero(tg.hessian_regular(model, hessian) - tg.hessian_regular_closed_form(model))


@pytest.mark.parametrize("i,j", [(0, 0), (1, 1)])
def test_singular_part_weight(model, hessian, i, j):
    weights = tg.singular_weight_closed_form(model, i, j)
    assert _is_zero(tg.hessian_singular(model, i, j, hessian) - weights["per_dz"])
    # per dz = |grad z| x per surface measure (delta(z) = delta_S / |grad z|)
    g = model.grad_preactivation(i, j)
    norm = sp.sqrt((g.T * g)[0, 0])
    assert all(sp.simplify(e) == 0 for e in weights["per_dz"] - norm * weights["per_surface"])


def test_singular_part_has_only_surface_terms(model, hessian):
    deltas = set().union(*[e.atoms(sp.DiracDelta) for e in hessian])
    surfaces = {sp.DiracDelta(model.preactivation(i, j)) for i in range(2) for j in range(2)}
    assert deltas == surfaces


def test_regular_hessian_jump_closed_form(model, hessian):
    """[H_reg] across S_01 from the brute-force regular Hessian equals the closed form."""
    z = model.preactivation(0, 1)
    Hr = tg.hessian_regular(model, hessian)
    brute = tg._one_sided(Hr, z, +1) - tg._one_sided(Hr, z, -1)
    assert _is_zero(brute - tg.hessian_regular_jump_closed_form(model, 0, 1))


@pytest.mark.parametrize("dim", [2, 3])
def test_crossing_step_identity(dim):
    """One crossing leapfrog step on g.q + J relu(n.q - h): dH = J (q_rel + eps p_n/2) + eps^2 J^2/8."""
    assert tg.crossing_step_identity(dim)["difference"] == 0


def test_crossing_formula_matches_design_1d():
    J, q, p, e = sp.symbols("J q p epsilon")
    assert sp.expand(tg.crossing_energy_error(J, q, p, e) - (J * (q + e * p / 2) + e ** 2 * J ** 2 / 8)) == 0


def test_rescaling_direction_curvature():
    m = tg.shallow_relu_model(1, 2, 2)
    Hr, G = tg.hessian_regular_closed_form(m), tg.gauss_newton(m)

    def zero(expr):
        return sp.expand(expr.replace(tg.relu, lambda z: z * sp.Heaviside(z))) == 0

    for j in range(2):
        v = tg.rescaling_direction(m, j)
        assert all(zero(e) for e in G * v)
        assert zero((v.T * Hr * v)[0, 0] - tg.rescaling_curvature_closed_form(m, j))


def test_orbit_prior_minimum():
    s = sp.Symbol("s", positive=True)
    w2, b2, a2 = sp.Rational(3), sp.Rational(1, 2), sp.Rational(7, 4)
    crit = sp.solve(sp.diff(tg.orbit_prior(w2, b2, a2, s), s), s)
    assert len(crit) == 1
    assert abs(float(crit[0]) - float(tg.balanced_scale(w2, b2, a2))) < 1e-14


def test_functional_dimension_values():
    assert tg.functional_dimension(2, 4) == 13 == tg.parameter_count(2, 4) - 4
    assert tg.functional_dimension(3, 6, twin_pairs=1) == 6 * 4 + 1 - 4
    assert tg.functional_dimension(2, 4, dead=1) == 3 * 3 + 1
    assert tg.functional_dimension(2, 4, always_active=2) == 2 * 3 + 3
    with pytest.raises(TheoryInputError):
        tg.functional_dimension(2, 0)
    with pytest.raises(TheoryInputError):
        tg.functional_dimension(2, 2, twin_pairs=2)


def test_kink_jump_is_a_abs_w():
    a, w = sp.Symbol("a", real=True), sp.Symbol("w", positive=True)
    assert all(sp.simplify(v - a * w) == 0 for v in tg.kink_jump_1d().values())


def test_predicted_kinks_merge_twins_and_skip_flat_units():
    kinks = tg.predicted_kinks_1d([1.0, 2.0, 0.0, -1.0], [-1.0, -2.0, 5.0, 3.0], [0.5, 0.25, 9.0, 2.0])
    assert kinks == [{"location": 1.0, "jump": 1.0}, {"location": 3.0, "jump": 2.0}]


def test_symmetry_identities():
    assert all(tg.symmetry_identities().values())


def test_bad_input_is_one_line_theory_error(model):
    with pytest.raises(TheoryInputError):
        tg.shallow_relu_model(0, 2, 2)
    with pytest.raises(TheoryInputError, match="outside"):
        tg.gradient_jump(model, 5, 0)
    with pytest.raises(TheoryInputError):
        tg.surface_predictions([0.0], 0.0, [0.0] * 9, 1.0, 0, n_inputs=2, width=2)
