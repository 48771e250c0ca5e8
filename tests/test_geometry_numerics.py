"""numerics.relu_* and numerics.geometry measured against theory.relu_*, joined as in
relu_hmc.claims.geometry.

Exact identities are held to 1e-12 relative (float64 forward passes are exact to ~1e-15);
finite-difference checks to the rounding and Richardson bounds numerics reports."""
import numpy as np
import pytest

from relu_hmc.claims import geometry as cg
from relu_hmc.numerics import geometry as ng
from relu_hmc.numerics import relu_finite_differences as nfd
from relu_hmc.numerics import relu_network as nn
from relu_hmc.numerics import relu_symmetries as nsym
from relu_hmc.numerics.relu_kinks import recover_kinks_1d
from relu_hmc.theory import geometry as tg
from relu_hmc.theory import relu_model as tm
from relu_hmc.theory import relu_symmetries as ts

EXACT = 1e-12


@pytest.fixture(scope="module")
def net_and_inputs():
    rng = np.random.default_rng(20261123)
    return nn.random_network(3, 6, rng), nn.random_inputs(400, 3, rng)


def test_layout_agrees_with_theory():
    idx = tm.layout(3, 4)
    theta = np.arange(nn.parameter_count(3, 4), dtype=float)
    W, b, a, c = nn.split(theta, 3, 4)
    assert W[2, 1] == idx["W"][2][1] and b[3] == idx["b"][3] and a[0] == idx["a"][0] and c == idx["c"]
    assert np.array_equal(nn.pack(W, b, a, c), theta)


def test_posterior_gradient_matches_finite_differences(rng):
    net = nn.random_network(2, 3, rng)
    X, y = nn.teacher_data(net, 15, 0.5, rng)
    post = nn.RegressionPosterior.build(X, y, 0.5, 2.0, 3)
    theta = nn.random_network(2, 3, rng).theta
    h = 1e-6
    E = np.eye(theta.size) * h
    fd = (post.potential(theta + E) - post.potential(theta - E)) / (2 * h)
    assert np.max(np.abs(fd - post.gradient(theta)[0])) < 1e-6 * (1 + np.max(np.abs(fd)))


# --- symmetries (exact) -------------------------------------------------------------------

def test_rescaling_permutation_twins_are_exact(net_and_inputs, rng):
    net, X = net_and_inputs
    assert nsym.function_discrepancy(net, nsym.rescale(net, np.exp(rng.uniform(-2, 2, net.width))), X) <= EXACT
    assert nsym.function_discrepancy(net, nsym.permute(net, rng.permutation(net.width)), X) <= EXACT
    twin = nsym.add_twin(net, 2, t=1.7, share=0.35)
    assert nsym.function_discrepancy(net, twin, X) <= EXACT
    assert nsym.function_discrepancy(twin, nsym.redistribute_twins(twin, 2, net.width, 0.9), X) <= EXACT


def test_balanced_flip_is_exact_and_unbalanced_flip_is_not(net_and_inputs):
    net, X = net_and_inputs
    subset = list(range(4))                                   # n0 + 1 = 4 neurons
    balanced = nsym.balance(net, subset)
    assert np.linalg.norm(nsym.imbalance(balanced, subset)) < 1e-14
    assert nsym.function_discrepancy(balanced, nsym.flip(balanced, subset), X) <= EXACT
    # negative control: one neuron flipped changes f by exactly -a_0 w_0 . x, which is O(1)
    flipped = nsym.flip(net, [0])
    change = flipped(X) - net(X)
    assert np.max(np.abs(change + X @ (net.a[0] * net.W[0]))) <= EXACT * max(1.0, np.max(np.abs(net(X))))
    assert nsym.function_discrepancy(net, flipped, X) > 1e-3
    # without compensating c even a balanced flip shifts f by the constant -sum a_j b_j
    uncompensated = nsym.flip(balanced, subset, compensate=False)
    shift = uncompensated(X) - balanced(X)
    assert np.ptp(shift) <= EXACT * 10 and abs(shift[0] + balanced.a[subset] @ balanced.b[subset]) <= EXACT * 10


def test_symmetry_verdict_passes():
    m = ng.measure_symmetries(2, 4, 300, seed=3)
    v = cg.judge_symmetries(m, tg.predicted_symmetries(m)).verdict
    assert v.passed, v.detail
    assert abs(m["unbalanced_flip_change"]["gain"] - 1.0) <= EXACT


def test_twin_redistribution_rejects_non_twins(net_and_inputs):
    with pytest.raises(ValueError, match="twins"):
        nsym.redistribute_twins(net_and_inputs[0], 0, 1, 0.1)


# --- functional dimension ----------------------------------------------------------------

@pytest.mark.parametrize("n0,n1", [(1, 3), (2, 4), (3, 3)])
def test_functional_dimension_generic_and_twin(n0, n1):
    m = ng.measure_functional_dimension(n0, n1, 3000, seed=n0 * 10 + n1)
    for case, twin_pairs in (("generic", 0), ("twin", 1)):
        r = m[case]
        assert r["separated"] == r["cutting"], r                     # the batch condition holds
        predicted = ts.functional_dimension(n0, n1, twin_pairs=twin_pairs, dead=r["dead"],
                                            always_active=r["always_active"])
        assert r["rank"] == predicted
        if r["dead"] == r["always_active"] == 0:
            assert predicted == tm.parameter_count(n0, n1) - n1 - twin_pairs * (n0 + 1)
        assert r["gap"] > 1e6


def test_small_batch_can_fall_below_the_function_space_dimension():
    """Two hyperplanes with fewer than n0 + 1 inputs between them: the batch condition fails
    and the rank drops (a finite-batch effect the prediction excludes)."""
    X = np.array([[-2.0], [-1.0], [0.5], [2.0], [3.0]])
    net = nn.ShallowNet(np.array([[1.0], [1.0]]), np.array([0.0, -0.4]), np.array([1.0, -2.0]), 0.1)
    fd = nsym.functional_dimension(net, X)       # kinks at 0 and 0.4: no input between them
    assert fd.separated < 2
    assert fd.rank < ts.functional_dimension(1, 2)


def test_dead_neuron_drops_rank_as_predicted():
    rng = np.random.default_rng(4)
    X = nn.random_inputs(3000, 2, rng)
    net = nn.random_network(2, 3, rng)
    dead = nn.ShallowNet(np.vstack([net.W, [[0.1, 0.2]]]), np.append(net.b, -50.0), np.append(net.a, 1.0), net.c)
    fd = nsym.functional_dimension(dead, X)
    assert fd.dead == 1
    assert fd.rank == ts.functional_dimension(2, 4, dead=1)


# --- Hessian: cells, jumps, crossing step ------------------------------------------------

def test_regular_hessian_on_a_cell():
    m = ng.measure_cell(2, 3, 10, seed=1)
    v = cg.judge_cell(m, tg.predicted_cell(m)).verdict
    assert v.passed, [p.as_dict() for p in v.parts if not p.passed]
    assert m["gauss_newton_min_eig"] >= -1e-10 * m["gauss_newton_max_eig"]
    assert m["hessian_min_eig"] < 0 < m["hessian_max_eig"]


@pytest.fixture(scope="module")
def surface():
    m = ng.measure_surface(2, 3, 40, seed=5)
    return m, tg.predicted_surface(m)


def test_hessian_jump_predicted_equals_measured(surface):
    m, pred = surface
    v = cg.judge_hessian_jump(m, pred).verdict
    assert v.passed, v.detail
    assert np.max(np.abs(pred["hessian_jump"])) > 0.1          # a real jump, not 0 == 0


def test_gradient_jump_is_normal_and_equals_J(surface):
    m, pred = surface
    v = cg.judge_gradient_jump(m, pred).verdict
    assert v.passed, [p.as_dict() for p in v.parts]


def test_theory_J_is_the_jump_in_the_crossing_step(surface):
    m, pred = surface
    assert all(c == 1 for c in m["crossing"]["crossings"])        # constructed single crossings
    v = cg.judge_crossing(m, pred).verdict
    assert v.passed, [p.as_dict() for p in v.parts]


def test_crossing_check_rejects_a_wrong_J(surface):
    """Negative control: a J off by 1e-4 relative must fail the Richardson comparison."""
    m, pred = surface
    wrong = dict(pred, normal_jump=pred["normal_jump"] * (1 + 1e-4))
    assert not cg.judge_crossing(m, wrong).verdict.passed


def test_hessian_jump_check_rejects_a_wrong_prediction(surface):
    m, pred = surface
    H = np.array(pred["hessian_jump"])
    wrong = dict(pred, hessian_jump=(H * (1 + 1e-3)).tolist())
    assert not cg.judge_hessian_jump(m, wrong).verdict.passed


# --- kinks, orbit HMC ------------------------------------------------------------------------

@pytest.mark.parametrize("width", [1, 5, 12])
def test_kinks_recovered_from_function_alone(width):
    m = ng.measure_kinks(width, seed=width)
    v = cg.judge_kinks(m, tg.predicted_kinks(m)).verdict
    assert v.passed, [p.as_dict() for p in v.parts]


def test_kink_recovery_merges_twins():
    net = nn.ShallowNet(np.array([[1.0], [2.0], [-1.0]]), np.array([-1.0, -2.0, 0.5]), np.array([1.0, 0.5, 3.0]), 0.0)
    rec = recover_kinks_1d(lambda x: net(np.asarray(x)[:, None]), -5, 5).kinks
    pred = ts.predicted_kinks_1d(net.W[:, 0], net.b, net.a)
    assert len(rec) == len(pred) == 2
    for r, p in zip(rec, pred):
        assert abs(r["location"] - p["location"]) < 1e-10 and abs(r["jump"] - p["jump"]) < 1e-10


def test_orbit_likelihood_constant_prior_and_hessian_follow_the_orbit_laws():
    m = ng.measure_orbit(1, 3, 20, 0.01, 20, 200, seed=5)
    assert np.ptp(m["likelihood"]) <= EXACT * max(1.0, max(map(abs, m["likelihood"])))
    assert np.ptp(m["prior"]) > 0.1
    judged = cg.judge_orbit(m, tg.predicted_orbit(m))
    assert judged.verdict.passed, [p.as_dict() for p in judged.verdict.parts if not p.passed]
    assert "observation (not judged)" in judged.verdict.detail
    for est in m["abs_dH"] + m["acceptance"]:
        assert est["se"] > 0                                   # every number carries its error


def test_measurements_reproducible_from_seed():
    a = ng.measure_surface(1, 2, 12, seed=9)
    b = ng.measure_surface(1, 2, 12, seed=9)
    assert a == b


def test_likelihood_hessian_transforms_along_the_orbit(rng):
    """L(S theta) = L(theta) with S = diag(s on w, b; 1/s on a; 1 on c), hence
    Hess L(S theta) = S^-1 Hess L(theta) S^-1 (exact; FD to its rounding bound)."""
    net = nn.random_network(2, 3, rng)
    X, y = nn.teacher_data(net, 12, 0.5, rng)
    post = nn.RegressionPosterior.build(X, y, 0.5, 1e8, 3)         # tau huge: prior negligible
    theta, s = nn.random_network(2, 3, rng).theta, 2.5
    moved = nsym.rescale(nn.ShallowNet.from_theta(theta, 2, 3), s).theta
    W, b, a, c = nn.split(np.ones_like(theta), 2, 3)
    S = nn.pack(W * s, b * s, a / s, c)
    H0, H1 = nfd.fd_hessian(post, theta, 1e-6), nfd.fd_hessian(post, moved, 1e-6)
    predicted = H0.matrix / np.outer(S, S)
    assert H0.same_cell and H1.same_cell
    assert np.max(np.abs(H1.matrix - predicted)) <= H1.error_bound + H0.error_bound * s ** 2
