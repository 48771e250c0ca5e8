"""relu_hmc.theory.relu_*: symbolic identities of the shallow ReLU posterior (issue 8).

Each test checks a displayed formula of proofs_notes/relu_geometry.md exactly (SymPy
expansion to zero), on a small symbolic model (n0 = 2 inputs, n1 = 2 neurons, 2 data points)."""
import pytest
import sympy as sp

from relu_hmc.theory import relu_jumps as tj
from relu_hmc.theory import relu_model as tm
from relu_hmc.theory import relu_symmetries as ts
from relu_hmc.theory import relu_values as tv
from relu_hmc.theory.errors import TheoryInputError


@pytest.fixture(scope="module")
def model():
    return tm.shallow_relu_model(2, 2, 2)


@pytest.fixture(scope="module")
def hessian(model):
    return tj.hessian(model)


def _is_zero(matrix) -> bool:
    return all(sp.expand(e) == 0 for e in matrix)


def test_layout_matches_model_parameters(model):
    idx = tm.layout(2, 2)
    assert model.params[idx["W"][1][0]] == model.W[1, 0]
    assert model.params[idx["b"][0]] == model.b[0]
    assert model.params[idx["a"][1]] == model.a[1]
    assert model.params[idx["c"]] == model.c
    assert len(model.params) == tm.parameter_count(2, 2) == 9


@pytest.mark.parametrize("i,j", [(0, 0), (0, 1), (1, 0), (1, 1)])
def test_gradient_jump_closed_form_and_normal(model, i, j):
    jump = tj.gradient_jump(model, i, j)
    assert _is_zero(jump - tj.gradient_jump_closed_form(model, i, j))
    # normal to the surface: jump = J n exactly
    tangential = tj.gradient_jump_closed_form(model, i, j) - tj.normal_jump(model, i, j) * tj.unit_normal(model, i, j)
    assert all(sp.simplify(e) == 0 for e in tangential)


def test_directional_jump_is_J_times_cosine(model):
    d = sp.Matrix(sp.symbols("d1:10", real=True))
    n = tj.unit_normal(model, 0, 1)
    expected = tj.normal_jump(model, 0, 1) * (n.T * d)[0, 0] / sp.sqrt((d.T * d)[0, 0])
    assert sp.simplify(tj.directional_jump(model, 0, 1, d) - expected) == 0


def test_output_derivatives_closed_forms(model):
    for i in range(2):
        assert _is_zero(model.gradient(model.output(i)) - tj.output_gradient_closed_form(model, i))
        assert _is_zero(tj.output_hessian_regular(model, i) - tj.output_hessian_closed_form(model, i))


def test_regular_hessian_is_gauss_newton_plus_cross_plus_prior(model, hessian):
    assert _is_zero(tj.hessian_regular(model, hessian) - tj.hessian_regular_closed_form(model))


@pytest.mark.parametrize("i,j", [(0, 0), (1, 1)])
def test_singular_part_weight(model, hessian, i, j):
    weights = tj.singular_weight_closed_form(model, i, j)
    assert _is_zero(tj.hessian_singular(model, i, j, hessian) - weights["per_dz"])
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
    Hr = tj.hessian_regular(model, hessian)
    brute = tm.one_sided(Hr, z, +1) - tm.one_sided(Hr, z, -1)
    assert _is_zero(brute - tj.hessian_regular_jump_closed_form(model, 0, 1))


@pytest.mark.parametrize("dim", [2, 3])
def test_crossing_step_identity(dim):
    """One crossing leapfrog step on g.q + J relu(n.q - h): dH = J (q_rel + eps p_n/2) + eps^2 J^2/8."""
    assert tj.crossing_step_identity(dim)["difference"] == 0


def test_crossing_formula_matches_design_1d():
    J, q, p, e = sp.symbols("J q p epsilon")
    assert sp.expand(tj.crossing_energy_error(J, q, p, e) - (J * (q + e * p / 2) + e ** 2 * J ** 2 / 8)) == 0


def test_rescaling_direction_curvature():
    m = tm.shallow_relu_model(1, 2, 2)
    Hr, G = tj.hessian_regular_closed_form(m), tj.gauss_newton(m)

    def zero(expr):
        return sp.expand(expr.replace(tm.relu, lambda z: z * sp.Heaviside(z))) == 0

    for j in range(2):
        v = ts.rescaling_direction(m, j)
        assert all(zero(e) for e in G * v)
        assert zero((v.T * Hr * v)[0, 0] - ts.rescaling_curvature_closed_form(m, j))


def test_orbit_prior_minimum():
    s = sp.Symbol("s", positive=True)
    w2, b2, a2 = sp.Rational(3), sp.Rational(1, 2), sp.Rational(7, 4)
    crit = sp.solve(sp.diff(ts.orbit_prior(w2, b2, a2, s), s), s)
    assert len(crit) == 1
    assert abs(float(crit[0]) - float(ts.balanced_scale(w2, b2, a2))) < 1e-14


def test_functional_dimension_values():
    assert ts.functional_dimension(2, 4) == 13 == tm.parameter_count(2, 4) - 4
    assert ts.functional_dimension(3, 6, twin_pairs=1) == 6 * 4 + 1 - 4
    assert ts.functional_dimension(2, 4, dead=1) == 3 * 3 + 1
    assert ts.functional_dimension(2, 4, always_active=2) == 2 * 3 + 3
    with pytest.raises(TheoryInputError):
        ts.functional_dimension(2, 0)
    with pytest.raises(TheoryInputError):
        ts.functional_dimension(2, 2, twin_pairs=2)


def test_kink_jump_is_a_abs_w():
    a, w = sp.Symbol("a", real=True), sp.Symbol("w", positive=True)
    assert all(sp.simplify(v - a * w) == 0 for v in ts.kink_jump_1d().values())


def test_predicted_kinks_merge_twins_and_skip_flat_units():
    kinks = ts.predicted_kinks_1d([1.0, 2.0, 0.0, -1.0], [-1.0, -2.0, 5.0, 3.0], [0.5, 0.25, 9.0, 2.0])
    assert kinks == [{"location": 1.0, "jump": 1.0}, {"location": 3.0, "jump": 2.0}]


def test_symmetry_identities():
    assert all(ts.symmetry_identities().values())


def test_bad_input_is_one_line_theory_error(model):
    with pytest.raises(TheoryInputError):
        tm.shallow_relu_model(0, 2, 2)
    with pytest.raises(TheoryInputError, match="outside"):
        tj.gradient_jump(model, 5, 0)
    with pytest.raises(TheoryInputError):
        tv.surface_predictions([0.0], 0.0, [0.0] * 9, 1.0, 0, n_inputs=2, width=2)


def test_permutation_check_can_fail():
    """Relabelling whole hidden units leaves U unchanged; relabelling only the output weights
    does not, and the same substitution check reports it."""
    assert ts.permutation_changes_potential((2, 0, 1)) is False
    assert ts.permutation_changes_potential((2, 0, 1), output_weights_only=True) is True
    assert ts.symmetry_identities()["output_weights_alone_is_not"]
    with pytest.raises(TheoryInputError):
        ts.permutation_changes_potential((0, 0, 1))


def test_orbit_hessian_law_matches_the_closed_form_at_the_moved_point():
    """H_reg(S theta) from the closed form at S theta == S^-1 (H_reg(theta) - I/tau^2) S^-1 + I/tau^2."""
    n0, n1, s = 1, 2, 1.7
    X, y = [[0.3], [-1.1], [0.8]], [0.5, -0.2, 1.4]
    theta = [0.9, -0.6, 0.2, 0.4, 1.3, -0.7, 0.1]
    moved = [t * d for t, d in zip(theta, ts.orbit_scaling(n0, n1, s))]
    direct = tv.regular_hessian_value(X, y, moved, 0.5, 3.0, n_inputs=n0, width=n1)
    law = tv.orbit_hessian_value(X, y, theta, 0.5, 3.0, s, n_inputs=n0, width=n1)
    assert max(abs(a - b) for ra, rb in zip(direct, law) for a, b in zip(ra, rb)) < 1e-12
    prior = tv.orbit_prior_values(theta, 3.0, [1.0, s], n_inputs=n0, width=n1)
    assert abs(prior[0] - sum(t * t for t in theta) / 18.0) < 1e-14
    assert abs(prior[1] - sum(t * t for t in moved) / 18.0) < 1e-14
