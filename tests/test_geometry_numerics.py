"""numerics.geometry measured against theory.geometry (issue 8), joined as in relu_hmc.geometry.

Exact identities are held to 1e-12 relative (float64 forward passes are exact to ~1e-15);
finite-difference checks to the rounding bounds numerics reports (derivations in
relu_hmc/geometry.py and numerics/geometry.py)."""
import numpy as np
import pytest

from relu_hmc.numerics import geometry as ng
from relu_hmc import geometry as rg
from relu_hmc.theory import geometry as tg

EXACT = 1e-12


@pytest.fixture(scope="module")
def net_and_inputs():
    rng = np.random.default_rng(20261123)
    return ng.random_network(3, 6, rng), ng.random_inputs(400, 3, rng)


def test_layout_agrees_with_theory():
    idx = tg.layout(3, 4)
    theta = np.arange(ng.parameter_count(3, 4), dtype=float)
    W, b, a, c = ng.split(theta, 3, 4)
    assert W[2, 1] == idx["W"][2][1] and b[3] == idx["b"][3] and a[0] == idx["a"][0] and c == idx["c"]
    assert np.array_equal(ng.pack(W, b, a, c), theta)


def test_posterior_gradient_matches_finite_differences(rng):
    net = ng.random_network(2, 3, rng)
    X, y = ng.teacher_data(net, 15, 0.5, rng)
    post = ng.RegressionPosterior.build(X, y, 0.5, 2.0, 3)
    theta = ng.random_network(2, 3, rng).theta
    h = 1e-6
    E = np.eye(theta.size) * h
    fd = (post.potential(theta + E) - post.potential(theta - E)) / (2 * h)
    assert np.max(np.abs(fd - post.gradient(theta)[0])) < 1e-6 * (1 + np.max(np.abs(fd)))


# --- symmetries (exact) -------------------------------------------------------------------

def test_rescaling_permutation_twins_are_exact(net_and_inputs, rng):
    net, X = net_and_inputs
    assert ng.function_discrepancy(net, ng.rescale(net, np.exp(rng.uniform(-2, 2, net.width))), X) <= EXACT
    assert ng.function_discrepancy(net, ng.permute(net, rng.permutation(net.width)), X) <= EXACT
    twin = ng.add_twin(net, 2, t=1.7, share=0.35)
    assert ng.function_discrepancy(net, twin, X) <= EXACT
    assert ng.function_discrepancy(twin, ng.redistribute_twins(twin, 2, net.width, 0.9), X) <= EXACT


def test_balanced_flip_is_exact_and_unbalanced_flip_is_not(net_and_inputs):
    net, X = net_and_inputs
    subset = list(range(4))                                   # n0 + 1 = 4 neurons
    balanced = ng.balance(net, subset)
    assert np.linalg.norm(ng.imbalance(balanced, subset)) < 1e-14
    assert ng.function_discrepancy(balanced, ng.flip(balanced, subset), X) <= EXACT
    # negative control: one neuron flipped changes f by exactly -a_0 w_0 . x, which is O(1)
    flipped = ng.flip(net, [0])
    change = flipped(X) - net(X)
    assert np.max(np.abs(change + X @ (net.a[0] * net.W[0]))) <= EXACT * max(1.0, np.max(np.abs(net(X))))
    assert ng.function_discrepancy(net, flipped, X) > 1e-3
    # without compensating c even a balanced flip shifts f by the constant -sum a_j b_j
    uncompensated = ng.flip(balanced, subset, compensate=False)
    shift = uncompensated(X) - balanced(X)
    assert np.ptp(shift) <= EXACT * 10 and abs(shift[0] + balanced.a[subset] @ balanced.b[subset]) <= EXACT * 10


def test_symmetry_verdict_passes():
    v = rg.verdict_symmetries(rg.measure_symmetries(2, 4, 300, seed=3))
    assert v.passed, v.detail


def test_twin_redistribution_rejects_non_twins(net_and_inputs):
    with pytest.raises(ValueError, match="twins"):
        ng.redistribute_twins(net_and_inputs[0], 0, 1, 0.1)


# --- functional dimension ----------------------------------------------------------------

@pytest.mark.parametrize("n0,n1", [(1, 3), (2, 4), (3, 3)])
def test_functional_dimension_generic_and_twin(n0, n1):
    m = rg.measure_functional_dimension(n0, n1, 3000, seed=n0 * 10 + n1)
    for case, twin_pairs in (("generic", 0), ("twin", 1)):
        r = m[case]
        assert r["separated"] == r["cutting"], r                     # the batch condition holds
        predicted = tg.functional_dimension(n0, n1, twin_pairs=twin_pairs, dead=r["dead"],
                                            always_active=r["always_active"])
        assert r["rank"] == predicted
        if r["dead"] == r["always_active"] == 0:
            assert predicted == tg.parameter_count(n0, n1) - n1 - twin_pairs * (n0 + 1)
        assert r["gap"] > 1e6


def test_small_batch_can_fall_below_the_function_space_dimension():
    """Two hyperplanes with fewer than n0 + 1 inputs between them: the batch condition fails
    and the rank drops (a finite-batch effect the prediction excludes)."""
    X = np.array([[-2.0], [-1.0], [0.5], [2.0], [3.0]])
    net = ng.ShallowNet(np.array([[1.0], [1.0]]), np.array([0.0, -0.4]), np.array([1.0, -2.0]), 0.1)
    fd = ng.functional_dimension(net, X)       # kinks at 0 and 0.4: no input between them
    assert fd.separated < 2
    assert fd.rank < tg.functional_dimension(1, 2)


def test_dead_neuron_drops_rank_as_predicted():
    rng = np.random.default_rng(4)
    X = ng.random_inputs(3000, 2, rng)
    net = ng.random_network(2, 3, rng)
    dead = ng.ShallowNet(np.vstack([net.W, [[0.1, 0.2]]]), np.append(net.b, -50.0), np.append(net.a, 1.0), net.c)
    fd = ng.functional_dimension(dead, X)
    assert fd.dead == 1
    assert fd.rank == tg.functional_dimension(2, 4, dead=1)


# --- Hessian: cells, jumps, crossing step ------------------------------------------------

def test_regular_hessian_on_a_cell():
    m = rg.measure_cell(2, 3, 10, seed=1)
    v = rg.verdict_cell(m)
    assert v.passed, [p.as_dict() for p in v.parts if not p.passed]
    assert m["gauss_newton_min_eig"] >= -1e-10 * m["gauss_newton_max_eig"]
    assert m["hessian_min_eig"] < 0 < m["hessian_max_eig"]


@pytest.fixture(scope="module")
def surface():
    m = rg.measure_surface(2, 3, 40, seed=5)
    return m, rg.surface_prediction(m)


def test_hessian_jump_predicted_equals_measured(surface):
    m, pred = surface
    v = rg.verdict_hessian_jump(m, pred)
    assert v.passed, v.detail
    assert np.max(np.abs(pred["hessian_jump"])) > 0.1          # a real jump, not 0 == 0


def test_gradient_jump_is_normal_and_equals_J(surface):
    m, pred = surface
    v = rg.verdict_gradient_jump(m, pred)
    assert v.passed, [p.as_dict() for p in v.parts]


def test_theory_J_is_the_jump_in_the_crossing_step(surface):
    m, pred = surface
    assert all(c == 1 for c in m["crossing"]["crossings"][-5:])   # the steps the verdict uses
    v = rg.verdict_crossing(m, pred)
    assert v.passed, [p.as_dict() for p in v.parts]


def test_crossing_check_rejects_a_wrong_J(surface):
    """Negative control: a J off by 1e-4 relative must fail the Richardson comparison."""
    m, pred = surface
    wrong = dict(pred, normal_jump=pred["normal_jump"] * (1 + 1e-4))
    assert not rg.verdict_crossing(m, wrong).passed


def test_hessian_jump_check_rejects_a_wrong_prediction(surface):
    m, pred = surface
    H = np.array(pred["hessian_jump"])
    wrong = dict(pred, hessian_jump=(H * (1 + 1e-3)).tolist())
    assert not rg.verdict_hessian_jump(m, wrong).passed


# --- kinks, orbit HMC ------------------------------------------------------------------------

@pytest.mark.parametrize("width", [1, 5, 12])
def test_kinks_recovered_from_function_alone(width):
    v = rg.verdict_kinks(rg.measure_kinks(width, seed=width))
    assert v.passed, [p.as_dict() for p in v.parts]


def test_kink_recovery_merges_twins():
    net = ng.ShallowNet(np.array([[1.0], [2.0], [-1.0]]), np.array([-1.0, -2.0, 0.5]), np.array([1.0, 0.5, 3.0]), 0.0)
    rec = ng.recover_kinks_1d(lambda x: net(np.asarray(x)[:, None]), -5, 5)
    pred = tg.predicted_kinks_1d(net.W[:, 0], net.b, net.a)
    assert len(rec) == len(pred) == 2
    for r, p in zip(rec, pred):
        assert abs(r["location"] - p["location"]) < 1e-10 and abs(r["jump"] - p["jump"]) < 1e-10


def test_orbit_likelihood_constant_prior_not():
    m = rg.measure_orbit_hmc(1, 3, 20, 0.01, 20, 200, seed=5)
    assert m["likelihood_spread"] <= EXACT
    assert np.ptp(m["prior"]) > 0.1
    v = rg.verdict_orbit(m)
    assert v.passed, [p.as_dict() for p in v.parts]
    for est in m["abs_dH"] + m["acceptance"]:
        assert est["se"] > 0                                   # every number carries its error


def test_measurements_reproducible_from_seed():
    a = rg.measure_surface(1, 2, 12, seed=9)
    b = rg.measure_surface(1, 2, 12, seed=9)
    assert a == b


def test_likelihood_hessian_transforms_along_the_orbit(rng):
    """L(S theta) = L(theta) with S = diag(s on w, b; 1/s on a; 1 on c), hence
    Hess L(S theta) = S^-1 Hess L(theta) S^-1 (exact; FD to its rounding bound)."""
    net = ng.random_network(2, 3, rng)
    X, y = ng.teacher_data(net, 12, 0.5, rng)
    post = ng.RegressionPosterior.build(X, y, 0.5, 1e8, 3)         # tau huge: prior negligible
    theta, s = ng.random_network(2, 3, rng).theta, 2.5
    moved = ng.rescale(ng.ShallowNet.from_theta(theta, 2, 3), s).theta
    W, b, a, c = ng.split(np.ones_like(theta), 2, 3)
    S = ng.pack(W * s, b * s, a / s, c)
    H0, H1 = ng.fd_hessian(post, theta, 1e-6), ng.fd_hessian(post, moved, 1e-6)
    predicted = H0.matrix / np.outer(S, S)
    assert H0.same_cell and H1.same_cell
    assert np.max(np.abs(H1.matrix - predicted)) <= H1.rounding_bound + H0.rounding_bound * s ** 2
