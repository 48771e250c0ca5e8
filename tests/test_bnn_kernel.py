"""The fused network kernels: compiled `evaluate` / `leapfrog` (_bnn_c, one chain at a time,
loops and dgemm) against their pure-NumPy twins (_bnn_py, batched NumPy matmuls).

Why not identical bits. Both twins do the same arithmetic except the order of the sums in the
matrix products (NumPy's BLAS blocks and unrolls; the compiled loops add left to right, the
hidden-to-hidden products go through SciPy's dgemm) and in U's sums over data and parameters.
A sum of K terms in two orders differs by at most 2 (K - 1) eps sum|terms| (Higham, Accuracy
and Stability of Numerical Algorithms, 2nd ed., eq. 4.4), eps = 2^-52. Every sum here has
K <= max(n_data, width, d) terms, and each term is bounded by the same products that make up
the largest component of the result, so the tests use the bound K eps_tol * scale with
eps_tol = 2 eps and scale = sum of |terms| taken from the pure twin run on |inputs| (see
`absolute_scale`). The elementwise parts (activations of kinked networks, the crossing
formula, the leapfrog updates) are the same operations in the same order on both sides.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from relu_hmc._fastcore import _bnn_py
from relu_hmc.numerics import bnn, bnn_data
from test_bnn import small_classification

try:
    from relu_hmc._fastcore import _bnn_c
except ImportError:  # pragma: no cover - extension not built
    _bnn_c = None

needs_c = pytest.mark.skipif(_bnn_c is None, reason="compiled _bnn_c not built")
EPS = np.finfo(np.float64).eps


def regression(n=23, n_in=2, seed=3):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2, 2, size=(n, n_in))
    y = np.cos(x.sum(axis=1, keepdims=True)) + 0.1 * rng.standard_normal((n, 1))
    return bnn_data.Dataset("reg", "regression", x, y, 0.1)


DATA = {"regression": regression(), "classification": small_classification(n=19)}


def absolute_scale(model, theta):
    """Per chain, the largest sum of |terms| of any sum in U and grad U, bounded from above: the
    pure twin's U and |grad U| on |theta| with a linear activation of slope 1 (|sigma(z)| <= |z| + 1
    and |sigma'| <= 1.13 for every activation here, so 2 |z| + 2 covers the activations' size)."""
    spec = list(model.spec)
    spec[0], spec[1], spec[2] = _bnn_py.LEAKY_RELU, 1.0, None  # leaky relu of slope 1: the identity
    x = np.abs(spec[3]) + 1.0
    spec[3] = x
    if spec[5] is not None:
        spec[4] = -np.abs(spec[4])  # residuals add up: |f| + |y|
    u, grad, _, _ = _bnn_py.evaluate(tuple(spec), 2.0 * np.abs(theta) + 1.0)
    return np.maximum(np.abs(u), np.abs(grad).max(axis=1))


def n_terms(model):
    return max(model.data.x.shape[0], max(model.widths), model.d)


@needs_c
@pytest.mark.parametrize("task", ["regression", "classification"])
@pytest.mark.parametrize("layers,width", [(1, 7), (2, 5), (2, 33), (2, 70)])  # 70: W2^T by dgemm, no copy
@pytest.mark.parametrize("activation", ["relu", "leaky_relu", "gelu", "sigmoid", "tanh", "softplus", "softplus_beta"])
def test_fused_evaluate_matches_numpy_twin_to_summation_order(activation, layers, width, task):
    model = bnn.make_bnn(activation, width, layers, DATA[task], beta=4.0)
    theta = model.sample_prior(np.random.default_rng(7), 3)
    u_py, g_py, z_py, r_py = _bnn_py.evaluate(model.spec, theta)
    u_c, g_c, z_c, r_c = _bnn_c.evaluate(model.spec, theta)
    bound = 2 * n_terms(model) * EPS * absolute_scale(model, theta)
    assert np.all(np.abs(u_c - u_py) <= bound)
    assert np.all(np.abs(g_c - g_py) <= bound[:, None])
    for zc, zp, rc, rp in zip(z_c, z_py, r_c, r_py):
        assert np.all(np.abs(zc - zp) <= bound[:, None, None])
        assert np.all(np.abs(rc - rp) <= bound[:, None, None])
    # without the gradient: the same U, the same z, no r
    u_only, g_none, z_only, r_none = _bnn_c.evaluate(model.spec, theta, False)
    np.testing.assert_array_equal(u_only, u_c)
    assert g_none is None and r_none == []
    for a, b in zip(z_only, z_c):
        np.testing.assert_array_equal(a, b)


@needs_c
def test_first_layer_preactivations_are_identical_bits_with_one_input():
    """With one input the first layer's z = x w + b is one product and one sum on both sides."""
    model = bnn.make_bnn("relu", 9, 1, regression(n_in=1))
    theta = model.sample_prior(np.random.default_rng(1), 4)
    np.testing.assert_array_equal(_bnn_c.evaluate(model.spec, theta)[2][0],
                                  _bnn_py.evaluate(model.spec, theta)[2][0])


@needs_c
@pytest.mark.parametrize("activation,layers", [("relu", 1), ("leaky_relu", 1), ("relu", 2), ("tanh", 2)])
def test_one_input_fast_path_is_the_general_arithmetic(activation, layers):
    """One input, one output: the compiled kernel fuses its row loops (one hidden layer, kinked
    activation: _Network.row_fused; two hidden layers, any activation: the fused rows of
    potential_layers). The same network with a second input column of zeros and zero weights
    on it goes through the general loops with the same numbers (adding x2 * 0 = +-0 and a prior
    term 0 changes no bits), so the two must agree bit for bit on U, z, r and every shared
    gradient entry. Width 8: the zero row moves the later prior terms by 8 places, a multiple
    of the four interleaved partial sums of the prior sum, so each keeps its partial sum."""
    w = 8
    one = regression(n_in=1)
    two = bnn_data.Dataset("reg2", "regression", np.hstack([one.x, np.zeros_like(one.x)]), one.y, one.noise_sd)
    fast, general = bnn.make_bnn(activation, w, layers, one), bnn.make_bnn(activation, w, layers, two)
    theta = fast.sample_prior(np.random.default_rng(3), 4)
    theta2 = np.insert(theta, [w] * w, 0.0, axis=1)  # W1 gains a zero row for the second input
    assert theta2.shape[1] == general.d
    u1, g1, z1, r1 = _bnn_c.evaluate(fast.spec, theta)
    u2, g2, z2, r2 = _bnn_c.evaluate(general.spec, theta2)
    np.testing.assert_array_equal(u1, u2)
    np.testing.assert_array_equal(g1, np.delete(g2, np.s_[w:2 * w], axis=1))
    for layer in range(layers):
        np.testing.assert_array_equal(z1[layer], z2[layer])
        np.testing.assert_array_equal(r1[layer], r2[layer])


def run(kernels, model, q0, p0, eps, n_steps):
    u, g, z, r = kernels.evaluate(model.spec, q0)
    return kernels.leapfrog(model.spec, q0, p0, eps, n_steps, u, g, z, r, model.jump)


FIELDS = ("q", "p", "energy_error", "crossings", "predicted", "boundary", "u_end",
          "step_energy_error", "step_predicted", "step_crossings", "step_boundary")


@needs_c
@pytest.mark.parametrize("task", ["regression", "classification"])
@pytest.mark.parametrize("layers", [1, 2])
@pytest.mark.parametrize("activation", ["relu", "leaky_relu", "tanh"])
def test_fused_leapfrog_matches_numpy_twin(activation, layers, task):
    """Short stable trajectories carry the gradients' round-off, not amplify it: q, p within
    n_steps * eps * (bound on grad) (each step adds eps * |dg|), dH and the crossing sums within
    the bound on U per step. Crossing counts are equal: a crossing could flip only if some z
    lies within ~1e-13 of 0 at a step end, which these seeds do not hit (checked: > 1e-6)."""
    model = bnn.make_bnn(activation, 6, layers, DATA[task])
    rng = np.random.default_rng(5)
    q0 = model.sample_prior(rng, 3) * 0.5
    p0 = rng.standard_normal(q0.shape)
    eps, n_steps = 2e-3, 25
    py, c = (dict(zip(FIELDS, run(k, model, q0, p0, eps, n_steps))) for k in (_bnn_py, _bnn_c))
    if model.kinked:
        assert py["crossings"].sum() > 0
    np.testing.assert_array_equal(py["crossings"], c["crossings"])
    np.testing.assert_array_equal(py["step_crossings"], c["step_crossings"])
    scale = absolute_scale(model, np.abs(q0) + np.abs(py["q"]))
    per_step = 2 * n_terms(model) * EPS * scale
    for name in ("q", "p"):
        assert np.all(np.abs(py[name] - c[name]) <= (n_steps * eps * per_step)[:, None]), name
    for name in ("energy_error", "predicted", "boundary", "u_end"):
        assert np.all(np.abs(py[name] - c[name]) <= n_steps * per_step), name


@pytest.mark.parametrize("kernels", ["py", "c"])
@pytest.mark.parametrize("layers", [1, 2])
def test_leapfrog_without_a_start_evaluates_it_to_the_same_bits(kernels, layers):
    """u0 = g0 = z0 = r0 = None: the kernel evaluates each chain's start itself (the same
    potential on the same q0), so the trajectory is the one started from `evaluate`, bit for bit."""
    if kernels == "c" and _bnn_c is None:
        pytest.skip("compiled _bnn_c not built")
    k = _bnn_c if kernels == "c" else _bnn_py
    model = bnn.make_bnn("relu", 6, layers, DATA["regression"])
    rng = np.random.default_rng(4)
    q0 = model.sample_prior(rng, 11) * 0.5  # 11 > the pure twin's block of 8 chains
    p0 = rng.standard_normal(q0.shape)
    given = run(k, model, q0, p0, 2e-3, 10)
    own = k.leapfrog(model.spec, q0, p0, 2e-3, 10, None, None, None, None, model.jump)
    assert given[3].sum() > 0  # crossings happened
    for name, a, b in zip(FIELDS, own, given):
        np.testing.assert_array_equal(a, b, err_msg=name)


@needs_c
def test_reused_work_buffers_leave_no_trace():
    """The compiled leapfrog reuses its z / r work buffers across calls: a trajectory after
    another network's (the buffers full of its numbers, larger than needed) is the same, bit
    for bit, as the first time."""
    small = bnn.make_bnn("relu", 6, 2, DATA["regression"])
    large = bnn.make_bnn("leaky_relu", 11, 2, DATA["regression"])
    rng = np.random.default_rng(8)
    q0 = small.sample_prior(rng, 3) * 0.5
    p0 = rng.standard_normal(q0.shape)
    first = run(_bnn_c, small, q0, p0, 2e-3, 10)
    q_large = large.sample_prior(rng, 2)
    run(_bnn_c, large, q_large, rng.standard_normal(q_large.shape), 2e-3, 10)
    for name, a, b in zip(FIELDS, run(_bnn_c, small, q0, p0, 2e-3, 10), first):
        np.testing.assert_array_equal(a, b, err_msg=name)


@needs_c
def test_compiled_chains_are_independent_bit_for_bit():
    """The compiled kernel integrates chain by chain with the same code: a chain alone and the
    same chain among others give identical bits."""
    model = bnn.make_bnn("relu", 5, 2, DATA["regression"])
    rng = np.random.default_rng(2)
    q0 = model.sample_prior(rng, 5) * 0.5
    p0 = rng.standard_normal(q0.shape)
    together = run(_bnn_c, model, q0, p0, 1e-3, 15)
    alone = run(_bnn_c, model, q0[3:4], p0[3:4], 1e-3, 15)
    for k, name in enumerate(FIELDS):
        rows = np.s_[:, 3:4] if name.startswith("step_") else np.s_[3:4]
        np.testing.assert_array_equal(together[k][rows], alone[k], err_msg=name)


@needs_c
@pytest.mark.skipif(_bnn_c is None or len(_bnn_c.FUSED_BUILDS) < 2,
                    reason="only the baseline build of the fused kernels runs on this CPU")
@pytest.mark.parametrize("task", ["regression", "classification"])
@pytest.mark.parametrize("layers,width", [(1, 7), (2, 9)])
@pytest.mark.parametrize("activation", ["relu", "leaky_relu", "gelu", "sigmoid", "softplus_beta"])
def test_every_instruction_set_build_gives_the_same_bits(activation, layers, width, task):
    """The x86-64-v3 / v4 builds of the fused kernels (wider vectors) do the baseline build's
    operations in the same order, without FMA or reassociation: identical bits for evaluate
    and for a whole leapfrog trajectory with its crossing bookkeeping."""
    model = bnn.make_bnn(activation, width, layers, DATA[task], beta=4.0)
    rng = np.random.default_rng(11)
    q0 = model.sample_prior(rng, 3) * 0.5
    p0 = rng.standard_normal(q0.shape)
    base_evaluate, base_leapfrog = _bnn_c.FUSED_BUILDS["baseline"]
    base = base_evaluate(model.spec, q0)
    base_run = base_leapfrog(model.spec, q0, p0, 2e-3, 12, *base, model.jump)
    for isa, (evaluate, leapfrog) in _bnn_c.FUSED_BUILDS.items():
        out = evaluate(model.spec, q0)
        for k, (a, b) in enumerate(zip(out, base)):
            if k >= 2:  # z and r: one array per hidden layer
                for x, y in zip(a, b):
                    np.testing.assert_array_equal(x, y, err_msg=f"{isa}, evaluate output {k}")
            else:
                np.testing.assert_array_equal(a, b, err_msg=f"{isa}, evaluate output {k}")
        for name, a, b in zip(FIELDS, leapfrog(model.spec, q0, p0, 2e-3, 12, *out, model.jump), base_run):
            np.testing.assert_array_equal(a, b, err_msg=f"{isa}, leapfrog {name}")


@pytest.mark.parametrize("kernels", ["py", "c"])
def test_kinetic_part_of_the_energy_error_is_accurate_at_large_d(kernels):
    """dH = (U_L - U_0) + sum_j (p_j^2 - p0_j^2) / 2. The kinetic sum is exactly rounded (pure
    twin, math.fsum) or compensated (compiled, Neumaier: error <= 2 eps |sum| + d eps^2 sum|t|),
    not the difference of two sums of size |p|^2 / 2 ~ 5e5, which would lose ~1e-10 of a
    kinetic change of ~1e-5 here."""
    if kernels == "c" and _bnn_c is None:
        pytest.skip("compiled _bnn_c not built")
    k = _bnn_c if kernels == "c" else _bnn_py
    model = bnn.make_bnn("relu", 400, 1, regression(n=3, n_in=1))
    rng = np.random.default_rng(0)
    q0 = model.sample_prior(rng, 1)
    p0 = 30.0 * rng.standard_normal(q0.shape)
    out = dict(zip(FIELDS, run(k, model, q0, p0, 1e-9, 1)))
    terms = 0.5 * (out["p"][0] * out["p"][0] - p0[0] * p0[0])
    exact = math.fsum(terms)
    du = out["u_end"][0] - k.evaluate(model.spec, q0)[0][0]
    bound = 4 * EPS * (abs(du) + abs(exact)) + model.d * EPS ** 2 * np.abs(terms).sum()
    assert abs(out["energy_error"][0] - (du + exact)) <= bound


@pytest.mark.parametrize("kernels", ["py", "c"])
def test_kernels_refuse_a_mismatched_network(kernels):
    if kernels == "c" and _bnn_c is None:
        pytest.skip("compiled _bnn_c not built")
    k = _bnn_c if kernels == "c" else _bnn_py
    model = bnn.make_bnn("relu", 3, 1, DATA["regression"])
    with pytest.raises(ValueError, match="theta must have shape"):
        k.evaluate(model.spec, np.zeros((2, model.d + 1)))
