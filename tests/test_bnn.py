"""Bayesian MLP posteriors: gradients, crossings, kernel twins, determinism, bad input, CLI.

Small networks (a few units, a dozen data points) keep every test fast; the statistical
checks are in tests/test_bnn_slow.py.
"""
from __future__ import annotations

import numpy as np
import pytest

from relu_hmc import _fastcore
from relu_hmc._fastcore import _bnn_py
from relu_hmc.numerics import bnn, bnn_config, bnn_data, bnn_hmc
from relu_hmc.cli import main

try:
    from relu_hmc._fastcore import _bnn_c
except ImportError:  # pragma: no cover - extension not built
    _bnn_c = None

ACTIVATIONS = bnn_config.ACTIVATIONS


def small_regression(n=12, seed=3):
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 4, size=(n, 1))
    y = np.cos(2 * x) + 0.1 * rng.standard_normal((n, 1))
    return bnn_data.Dataset("small", "regression", x, y, 0.1)


def small_classification(n=15, seed=4):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 3))
    y = rng.integers(0, 3, size=n)
    y[:3] = [0, 1, 2]
    return bnn_data.Dataset("small-cls", "classification", x, y, None, 3)


DATASETS = {"regression": small_regression(), "classification": small_classification()}


# -- gradient against central finite differences -------------------------------------------------
@pytest.mark.parametrize("task", ["regression", "classification"])
@pytest.mark.parametrize("layers", [1, 2])
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_gradient_matches_central_differences(activation, layers, task):
    model = bnn.make_bnn(activation, 4, layers, DATASETS[task])
    theta = model.sample_prior(np.random.default_rng(11), 2)
    ev = model.evaluate(theta)
    h = 1e-6
    fd = np.empty_like(theta)
    for j in range(model.d):
        e = np.zeros(model.d)
        e[j] = h
        fd[:, j] = (model.potential(theta + e) - model.potential(theta - e)) / (2 * h)
    # central differences: truncation h^2 U''' / 6 and round-off ~ 1e-16 |U| / h; a kink
    # within h of theta has probability ~ h per unit and cannot occur at this fixed seed
    tol = 1e-6 * (1.0 + np.abs(ev.u)[:, None]) + 1e-6 * np.abs(ev.grad)
    assert np.all(np.abs(fd - ev.grad) <= tol), np.max(np.abs(fd - ev.grad))


def test_potential_matches_direct_formula():
    data = DATASETS["regression"]
    model = bnn.make_bnn("tanh", 3, 1, data)
    theta = model.sample_prior(np.random.default_rng(0), 1)
    (w1, b1), (w2, b2) = model.unpack(theta)
    f = np.tanh(data.x @ w1[0] + b1[0]) @ w2[0] + b2[0]
    expected = 0.5 * np.sum((f - data.y) ** 2) / 0.1 ** 2 + 0.5 * np.sum((theta / model.prior_sd_vector) ** 2)
    assert model.potential(theta)[0] == pytest.approx(expected, rel=1e-12)


# -- crossings ---------------------------------------------------------------------------------------
def brute_force_crossings(model, q0, p0, eps, n_steps):
    """Python loop over the leapfrog steps comparing activation patterns before and after
    every position update."""
    q, p = q0.copy(), p0.copy()
    total = np.zeros(q.shape[0], dtype=np.int64)
    pattern = model.activation_pattern(q)
    for _ in range(n_steps):
        p = p - 0.5 * eps * model.gradient(q)
        q = q + eps * p
        new = model.activation_pattern(q)
        total += (new != pattern).sum(axis=1)
        pattern = new
        p = p - 0.5 * eps * model.gradient(q)
    return total


@pytest.mark.parametrize("activation,layers", [("relu", 1), ("relu", 2), ("leaky_relu", 1), ("leaky_relu", 2)])
def test_crossing_counts_match_brute_force_and_generic_engine(activation, layers):
    model = bnn.make_bnn(activation, 5, layers, DATASETS["regression"])
    rng = np.random.default_rng(5)
    q0 = model.sample_prior(rng, 3) * 0.3
    p0 = rng.standard_normal(q0.shape)
    eps, n = 2e-3, 25
    tr = bnn.trajectory(model, q0, p0, eps, n)
    assert tr.crossings.sum() > 0  # the test must exercise crossings
    np.testing.assert_array_equal(tr.crossings, brute_force_crossings(model, q0, p0, eps, n))
    q, p, dh, crossings = _fastcore.integrate_callables(model.potential, model.gradient,
                                                        model.activation_pattern, q0, p0, eps, n)
    np.testing.assert_array_equal(tr.crossings, crossings)
    np.testing.assert_allclose(tr.q, q, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(tr.energy_error, dh, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("activation", ["gelu", "sigmoid", "tanh", "softplus"])
def test_smooth_activations_have_no_crossings(activation):
    model = bnn.make_bnn(activation, 4, 1, DATASETS["regression"])
    rng = np.random.default_rng(1)
    q0 = model.sample_prior(rng, 2)
    tr = bnn.trajectory(model, q0, rng.standard_normal(q0.shape), 1e-3, 10)
    assert model.activation_pattern(q0).shape == (2, 0)
    assert np.all(tr.crossings == 0) and np.all(tr.predicted == 0)


def test_step_energy_errors_sum_to_trajectory_error():
    model = bnn.make_bnn("relu", 5, 1, DATASETS["regression"])
    rng = np.random.default_rng(2)
    q0 = model.sample_prior(rng, 4) * 0.3
    tr = bnn.trajectory(model, q0, rng.standard_normal(q0.shape), 1e-3, 30, record=True)
    np.testing.assert_allclose(tr.step_energy_error.sum(axis=0), tr.energy_error, rtol=1e-9, atol=1e-9)
    np.testing.assert_array_equal(tr.step_crossings.sum(axis=0), tr.crossings)
    np.testing.assert_allclose(tr.step_predicted.sum(axis=0), tr.predicted, rtol=1e-12, atol=1e-15)


def test_single_crossing_prediction_error_is_second_order():
    """One-crossing steps of a one-layer ReLU network: dH_step - (eps^2/8)(|g'|^2 - |g|^2)
    (the trapezoid error) minus the predicted crossing term is O(eps^2) (curvature of r and
    the smooth eps^3 part), while the prediction itself is O(eps): the ratio shrinks ~ eps."""
    model = bnn.make_bnn("relu", 5, 1, DATASETS["regression"])
    rng = np.random.default_rng(8)
    q0 = model.sample_prior(rng, 64) * 0.3
    p0 = rng.standard_normal(q0.shape)
    ratios = []
    for eps in (4e-4, 1e-4):
        q, p = q0.copy(), p0.copy()
        worst = []
        for _ in range(int(round(0.02 / eps))):
            ev = model.evaluate(q)
            tr = bnn.trajectory(model, q, p, eps, 1, start=ev)
            trap = tr.energy_error - tr.boundary
            one = tr.crossings == 1
            worst.extend(np.abs(trap[one] - tr.predicted[one]) / np.maximum(np.abs(tr.predicted[one]), 1e-300))
            q, p = tr.q, tr.p
        assert len(worst) > 20
        ratios.append(np.median(worst))
    assert ratios[1] < ratios[0] / 2  # eps shrinks 4x: a first-order relative error shrinks ~4x


# -- compiled kernels == pure twin -------------------------------------------------------------------
needs_c = pytest.mark.skipif(_bnn_c is None, reason="compiled _bnn_c not built")


# The kinked activations (relu, leaky_relu) and every non-transcendental kernel are the same
# arithmetic in the same order on both sides: identical bits. The smooth activations are not:
# the pure twin evaluates exp, tanh, log1p with NumPy's own (SIMD) routines and erf with
# SciPy's, the compiled one with C libm; each is within a few ulps of the true value, so the
# twins differ by a few ulps of the largest term, |sigma(z)| <= |z| + 1 and |sigma'| <= 1.13:
# |d sigma| <= 4 eps max(1, |z|), |d sigma'| <= 4 eps (measured: 2 eps over 1.2e6 points).
EPS = np.finfo(np.float64).eps
SMOOTH_ULPS = 4


@needs_c
@pytest.mark.parametrize("code", range(6))
def test_activate_twins_agree(code):
    z = np.random.default_rng(code).standard_normal((3, 7, 5)) * 4
    z[0, 0, :3] = [0.0, -0.0, 40.0]
    (a_py, d_py), (a_c, d_c) = _bnn_py.activate(code, z, 0.01), _bnn_c.activate(code, z, 0.01)
    if code in _bnn_py.KINKED_CODES:
        np.testing.assert_array_equal(a_py, a_c)
        np.testing.assert_array_equal(d_py, d_c)
    else:
        assert np.all(np.abs(a_py - a_c) <= SMOOTH_ULPS * EPS * np.maximum(1.0, np.abs(z)))
        assert np.all(np.abs(d_py - d_c) <= SMOOTH_ULPS * EPS)


@needs_c
def test_elementwise_twins_agree():
    rng = np.random.default_rng(9)
    z0 = rng.standard_normal((4, 6, 5))
    z1 = z0 + 0.5 * rng.standard_normal(z0.shape)
    r0, r1 = rng.standard_normal(z0.shape), rng.standard_normal(z0.shape)
    for code in range(6):
        np.testing.assert_array_equal(_bnn_py.pattern(code, z0), _bnn_c.pattern(code, z0))
    np.testing.assert_array_equal(_bnn_py.count_changes(_bnn_py.pattern(0, z0), _bnn_py.pattern(0, z1)),
                                  _bnn_c.count_changes(_bnn_c.pattern(0, z0), _bnn_c.pattern(0, z1)))
    np.testing.assert_array_equal(_bnn_py.backprop_delta(r0, z0), _bnn_c.backprop_delta(r0, z0))
    s_py, c_py = _bnn_py.crossing_contributions(z0, z1, r0, r1, 0.99)
    s_c, c_c = _bnn_c.crossing_contributions(z0, z1, r0, r1, 0.99)
    assert c_py.sum() > 0
    np.testing.assert_array_equal(c_py, c_c)
    np.testing.assert_array_equal(s_py, s_c)  # both accumulate left to right
    assert _bnn_py.KINKED_CODES == _bnn_c.KINKED_CODES
    for name, code in bnn.ACTIVATION_CODES.items():
        assert getattr(_bnn_py, name.upper()) == code


@needs_c
@pytest.mark.parametrize("activation", ["relu", "leaky_relu", "gelu", "sigmoid", "tanh", "softplus"])
def test_trajectory_same_with_either_backend(activation, monkeypatch):
    """bnn.trajectory on either backend: the same crossings, and q, p, dH and the crossing sums
    equal to the round-off of the matrix products' summation order (the fused kernels' bound,
    tests/test_bnn_kernel.py: 2 K eps x the sums of |terms| per step, n_steps steps)."""
    from test_bnn_kernel import absolute_scale, n_terms

    model = bnn.make_bnn(activation, 4, 2, DATASETS["regression"])
    rng = np.random.default_rng(3)
    q0 = model.sample_prior(rng, 3) * 0.3
    p0 = rng.standard_normal(q0.shape)
    eps, n_steps = 1e-3, 20
    results = []
    for kernels in (_bnn_py, _bnn_c):
        monkeypatch.setattr(bnn, "K", kernels)
        results.append(bnn.trajectory(model, q0, p0, eps, n_steps))
    a, b = results
    np.testing.assert_array_equal(a.crossings, b.crossings)
    per_step = 2 * n_terms(model) * EPS * absolute_scale(model, np.abs(q0) + np.abs(a.q))
    for field in ("q", "p"):
        assert np.all(np.abs(getattr(a, field) - getattr(b, field)) <= (n_steps * eps * per_step)[:, None]), field
    for field in ("energy_error", "predicted", "boundary"):
        assert np.all(np.abs(getattr(a, field) - getattr(b, field)) <= n_steps * per_step), field


# -- determinism -----------------------------------------------------------------------------------
def test_same_seed_same_numbers():
    model = bnn.make_bnn("relu", 3, 1, DATASETS["regression"])
    runs = [bnn_hmc.run_hmc(model, 2e-3, 5, 4, 123, n_chains=3, warmup=2) for _ in range(2)]
    np.testing.assert_array_equal(runs[0].energy_error, runs[1].energy_error)
    np.testing.assert_array_equal(runs[0].accepted, runs[1].accepted)
    np.testing.assert_array_equal(runs[0].q, runs[1].q)
    other = bnn_hmc.run_hmc(model, 2e-3, 5, 4, 124, n_chains=3, warmup=2)
    assert not np.array_equal(other.q, runs[0].q)


# -- bad input -------------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs,match", [
    ({"activation": "swish"}, "unknown activation"),
    ({"width": 0}, "width must be >= 1"),
    ({"width": 2.5}, "width must be an integer"),
    ({"layers": 3}, "layers must be 1 or 2"),
    ({"layers": 0}, "layers must be 1 or 2"),
])
def test_bad_model_arguments(kwargs, match):
    args = {"activation": "relu", "width": 3, "layers": 1, "data": DATASETS["regression"], **kwargs}
    with pytest.raises(ValueError, match=match):
        bnn.make_bnn(**args)


def test_nan_data_is_rejected():
    data = small_regression()
    x = data.x.copy()
    x[2, 0] = np.nan
    with pytest.raises(ValueError, match="finite"):
        bnn.make_bnn("relu", 3, 1, bnn_data.Dataset("bad", "regression", x, data.y, 0.1))
    y = data.y.copy()
    y[0, 0] = np.inf
    with pytest.raises(ValueError, match="finite|NaN"):
        bnn.make_bnn("relu", 3, 1, bnn_data.Dataset("bad", "regression", data.x, y, 0.1))


@pytest.mark.parametrize("eps", [0.0, -1e-3, float("nan"), float("inf")])
def test_bad_step_size(eps):
    model = bnn.make_bnn("relu", 3, 1, DATASETS["regression"])
    q = np.zeros((1, model.d))
    with pytest.raises(ValueError, match="eps"):
        bnn.trajectory(model, q, q, eps, 3)
    with pytest.raises(ValueError, match="eps"):
        bnn_hmc.run_hmc(model, eps, 3, 2, 0, n_chains=1, warmup=0)


def test_unknown_data_set():
    with pytest.raises(ValueError, match="data must be one of"):
        bnn_data.load("mnist")


def test_bundled_data_sets_load_without_network():
    for name in ("diabetes", "iris", "wine"):
        data = bnn_data.check_dataset(bnn_data.load(name))
        assert data.x.shape[0] > 50 and np.all(np.isfinite(data.x))
    synthetic = bnn_data.synthetic()
    assert synthetic.x.shape == (100, 1) and 0 <= synthetic.x.min() and synthetic.x.max() <= 4


# -- CLI -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("argv,needle", [
    (["bnn", "--activation", "swish"], "unknown activation"),
    (["bnn", "--activation", "relu", "--width", "0"], "width"),
    (["bnn", "--activation", "relu", "--layers", "3"], "layers"),
    (["bnn", "--activation", "relu", "--eps", "0"], "eps"),
    (["bnn", "--activation", "relu", "--eps", "abc"], "number"),
    (["bnn", "--activation", "relu", "--data", "mnist"], "data set"),
    (["bnn"], "activation"),
])
def test_cli_bad_input_exits_2(argv, needle, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert needle in err and err.count("\n") == 1 and "Traceback" not in err


def test_cli_runs_and_prints_json(capsys):
    import json

    argv = ["bnn", "--activation", "relu", "--width", "3", "--eps", "0.002", "--steps", "5",
            "--proposals", "4", "--chains", "2", "--seed", "1", "--json"]
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    assert 0.0 <= out["acceptance"]["value"] <= 1.0 and out["acceptance"]["se"] >= 0
    for key in ("mean_dH", "var_dH", "crossings_per_trajectory", "explained_fraction"):
        assert key in out
    assert main(argv[:-1]) == 0
    text = capsys.readouterr().out
    assert "acceptance" in text and "explained fraction" in text


def test_diverging_trajectory_is_rejected_not_an_error():
    """A step far beyond the stability limit overflows; dH is inf/nan and the proposal is
    rejected (acceptance probability 0), with no exception."""
    model = bnn.make_bnn("relu", 4, 1, DATASETS["regression"])
    run = bnn_hmc.run_hmc(model, 5.0, 30, 2, 0, n_chains=2, warmup=0)
    assert not run.accepted.any() and np.all(run.accept_prob == 0.0)
