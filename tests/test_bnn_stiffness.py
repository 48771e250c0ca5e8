"""Stiffness of network posteriors (numerics.bnn_stiffness), the softplus_beta control, the
value of ReLU'(0), and the stiffness lines of `relu-hmc bnn`."""
from __future__ import annotations

import json

import numpy as np
import pytest

from relu_hmc._fastcore import _bnn_py
from relu_hmc.cli import main
from relu_hmc.numerics import bnn, bnn_hmc, bnn_stiffness
from test_bnn import DATASETS, EPS, SMOOTH_ULPS, _bnn_c

ALL_ACTIVATIONS = tuple(bnn.ACTIVATION_CODES)


def _kink_free_state(model, seed, n_chains=2):
    """Prior draws (the test directions move pre-activations by ~1e-5: a kink that close has
    probability ~1e-5 per unit, checked below so a failure cannot come from a kink)."""
    rng = np.random.default_rng(seed)
    return model.sample_prior(rng, n_chains), rng


@pytest.mark.parametrize("task", ["regression", "classification"])
@pytest.mark.parametrize("layers", [1, 2])
@pytest.mark.parametrize("activation", ALL_ACTIVATIONS)
def test_hessian_vector_product_matches_differences_of_the_gradient(activation, layers, task):
    """H v (R-operator, exact) against (g(q + h v) - g(q - h v)) / 2h, whose truncation error
    is h^2 |D^4 U| / 6 and round-off ~ 1e-16 |g| / h: at h = 1e-5, ~1e-9 relative."""
    model = bnn.make_bnn(activation, 4, layers, DATASETS[task], beta=3.0)
    theta, rng = _kink_free_state(model, 5)
    v = rng.standard_normal(theta.shape)
    h = 1e-5
    pattern = model.activation_pattern(theta)
    for sign in (1, -1):
        np.testing.assert_array_equal(model.activation_pattern(theta + sign * h * v), pattern)
    fd = (model.gradient(theta + h * v) - model.gradient(theta - h * v)) / (2 * h)
    hv = bnn_stiffness.hessian_vector_product(model, theta, v)
    assert np.max(np.abs(hv - fd)) <= 1e-6 * np.max(np.abs(hv))


def _dense_hessian(model, theta):
    eye = np.eye(model.d)
    return np.array([bnn_stiffness.hessian_vector_product(model, theta[None], eye[i][None])[0]
                     for i in range(model.d)])


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_hessian_is_symmetric_and_lanczos_finds_its_extreme_eigenvalues(activation):
    model = bnn.make_bnn(activation, 3, 2, DATASETS["regression"])
    theta, _ = _kink_free_state(model, 8, 2)
    for c in range(2):
        hess = _dense_hessian(model, theta[c])
        assert np.max(np.abs(hess - hess.T)) <= 1e-12 * np.abs(hess).max()
        eig = np.linalg.eigvalsh(hess)
        full = bnn_stiffness.extreme_eigenvalues(model, theta[c:c + 1], 1, n_iter=model.d)
        assert full.lambda_max[0] == pytest.approx(eig[-1], rel=1e-9)
        assert full.lambda_min[0] == pytest.approx(eig[0], rel=1e-9, abs=1e-9 * eig[-1])
        # fewer iterations: a Ritz value never exceeds lambda_max, and lies within its residual
        # of an eigenvalue (Kahan's bound)
        few = bnn_stiffness.extreme_eigenvalues(model, theta[c:c + 1], 1, n_iter=8)
        assert few.lambda_max[0] <= eig[-1] * (1 + 1e-12)
        assert np.min(np.abs(eig - few.lambda_max[0])) <= few.lambda_max_residual[0] * (1 + 1e-9) + 1e-9 * eig[-1]


def test_leapfrog_energy_error_explodes_past_the_linear_stability_limit():
    """At a posterior mode, a small kick along the top eigenvector of H: leapfrog with
    eps sqrt(lambda_max) = 2.2 grows the energy error geometrically (the linearised map's
    eigenvalue mu solves mu + 1/mu = 2 - 2.2^2: |mu| = 2.4, ~1e7 after 20 steps), at 1.8 it
    stays bounded (the conserved modified energy is within 1/(1 - 1.8^2/4) = 5.3 of H): the
    diagnostic's limit 2 is where the network's dynamics actually change."""
    from scipy.optimize import minimize

    model = bnn.make_bnn("tanh", 3, 1, DATASETS["regression"])
    start = bnn_hmc.descend(model, _kink_free_state(model, 2, 1)[0], 300)[0]
    mode = minimize(lambda t: model.potential(t[None])[0], start, jac=lambda t: model.gradient(t[None])[0],
                    method="BFGS", options={"gtol": 1e-9}).x[None]
    lam, vecs = np.linalg.eigh(_dense_hessian(model, mode[0]))
    assert lam[0] > 0  # a mode: the linearisation is a set of stable oscillators
    p0 = 1e-4 * vecs[:, -1][None]
    growth = {}
    for h in (1.8, 2.2):
        tr = bnn.trajectory(model, mode, p0, h / np.sqrt(lam[-1]), 20)
        growth[h] = abs(tr.energy_error[0]) / (0.5 * np.sum(p0 ** 2))
    assert growth[1.8] < 6 and growth[2.2] > 1e5, growth


def test_regime_thresholds():
    assert bnn_stiffness.regime(np.array([0.3, 1.0])) == "asymptotic"
    assert bnn_stiffness.regime(np.array([0.3, 1.5])) == "near-limit"
    assert bnn_stiffness.regime(np.array([0.3, 2.0])) == "unstable"
    assert bnn_stiffness.stability_number(0.01, np.array([1e4, -5.0])).tolist() == [1.0, 0.0]
    assert bnn_stiffness.stable_step_size(np.array([100.0, 400.0]), 1.0) == pytest.approx(0.05)
    with pytest.raises(ValueError, match="positive curvature"):
        bnn_stiffness.stable_step_size(np.array([-1.0]), 1.0)


def test_attribution_of_smooth_and_relu_trajectories():
    """Smooth network: no crossings, so C = 0 and dH = B + S up to rounding (R ~ 1e-12 |U|).
    ReLU network at a small step: the rest R (error of the crossing formula) is far below the
    crossing part C."""
    data = DATASETS["regression"]
    for activation in ("sigmoid", "relu"):
        model = bnn.make_bnn(activation, 5, 1, data)
        q = bnn_hmc.descend(model, _kink_free_state(model, 4, 6)[0], 300)
        p = np.random.default_rng(0).standard_normal(q.shape)
        tr = bnn.trajectory(model, q, p, 2e-4, 100, record=True)
        parts = bnn_stiffness.attribute(tr)
        if activation == "sigmoid":
            assert np.all(parts["crossing"] == 0.0)
            assert np.all(np.abs(parts["rest"]) <= 1e-12 * np.abs(tr.u_end))
            assert np.any(parts["smooth"] != 0.0)
        else:
            assert tr.crossings.sum() > 0
            assert np.sqrt(np.mean(parts["rest"] ** 2)) < 0.1 * np.sqrt(np.mean(parts["crossing"] ** 2))
    with pytest.raises(ValueError, match="record=True"):
        bnn_stiffness.attribute(bnn.trajectory(model, q, p, 2e-4, 2))


# -- softplus_beta ---------------------------------------------------------------------------------
def test_softplus_beta_tends_to_relu_and_equals_softplus_at_beta_one():
    z = np.linspace(-3, 3, 601)
    relu = np.maximum(z, 0.0)
    for beta in (1.0, 10.0, 100.0):
        a, da = _bnn_py.activate(_bnn_py.SOFTPLUS_BETA, z, beta)
        assert np.all(a >= relu) and np.max(a - relu) == pytest.approx(np.log(2) / beta)  # at z = 0
        np.testing.assert_allclose(da, 1.0 / (1.0 + np.exp(-beta * z)), rtol=1e-14, atol=1e-300)
    np.testing.assert_array_equal(_bnn_py.activate(_bnn_py.SOFTPLUS_BETA, z, 1.0)[0],
                                  _bnn_py.activate(_bnn_py.SOFTPLUS, z, 1.0)[0])


@pytest.mark.skipif(_bnn_c is None, reason="compiled kernels not built")
def test_softplus_beta_twins_agree_to_a_few_ulps():
    """Smooth: NumPy's vectorised exp / log1p and libm's may differ by an ulp, as for softplus."""
    z = np.random.default_rng(6).standard_normal((3, 7, 5)) * 4
    z[0, 0, :3] = [0.0, -0.0, 40.0]
    for beta in (0.5, 7.0, 300.0):
        (a_py, d_py), (a_c, d_c) = (k.activate(6, z, beta) for k in (_bnn_py, _bnn_c))
        assert np.all(np.abs(a_py - a_c) <= SMOOTH_ULPS * EPS * np.maximum(1.0, np.abs(z)))
        assert np.all(np.abs(d_py - d_c) <= SMOOTH_ULPS * EPS)


def test_bad_beta_is_one_line_error():
    with pytest.raises(ValueError, match="beta must be"):
        bnn.make_bnn("softplus_beta", 3, 1, DATASETS["regression"], beta=0.0)


# -- ReLU'(0) --------------------------------------------------------------------------------------
@pytest.mark.parametrize("backend", ["py", "c"])
def test_relu_derivative_at_zero_changes_nothing_unless_a_preactivation_is_exactly_zero(backend, monkeypatch):
    if backend == "c":
        if _bnn_c is None:
            pytest.skip("compiled kernels not built")
        monkeypatch.setattr(bnn, "K", _bnn_c)
    else:
        monkeypatch.setattr(bnn, "K", _bnn_py)
    data = DATASETS["regression"]
    rng = np.random.default_rng(12)
    base = bnn.make_bnn("relu", 4, 2, data)
    q0 = base.sample_prior(rng, 3)
    p0 = rng.standard_normal(q0.shape)
    runs = [bnn.trajectory(bnn.make_bnn("relu", 4, 2, data, derivative_at_zero=v), q0, p0, 1e-3, 30)
            for v in (0.0, 0.5, 1.0)]
    assert runs[0].crossings.sum() > 0
    for other in runs[1:]:
        for field in ("q", "p", "energy_error", "predicted"):
            np.testing.assert_array_equal(getattr(runs[0], field), getattr(other, field))
    # an exact zero: unit 0 of a one-layer network has z = x * 1 - x = 0 at data point 0, and
    # its gradient then moves by (sigma'(0) difference) * r * dz/dtheta
    shallow = bnn.make_bnn("relu", 4, 1, data)
    theta = shallow.sample_prior(rng, 1)
    theta[0, 0], theta[0, 4] = 1.0, -data.x[0, 0]
    evs = [bnn.make_bnn("relu", 4, 1, data, derivative_at_zero=v).evaluate(theta) for v in (0.0, 0.5, 1.0)]
    assert evs[0].z[0][0, 0, 0] == 0.0 and evs[0].r[0][0, 0, 0] != 0.0
    np.testing.assert_allclose(evs[2].grad[0, 4] - evs[0].grad[0, 4], evs[0].r[0][0, 0, 0], rtol=1e-12)
    np.testing.assert_allclose(evs[1].grad[0, 4] - evs[0].grad[0, 4], 0.5 * evs[0].r[0][0, 0, 0], rtol=1e-12)


# -- CLI -------------------------------------------------------------------------------------------
def test_cli_prints_regime_and_attribution(capsys):
    argv = ["bnn", "--activation", "relu", "--width", "3", "--steps", "5", "--proposals", "4",
            "--chains", "2", "--seed", "1"]
    assert main(argv + ["--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["eps_rule"].startswith("auto")
    assert out["stiffness"]["regime"] in ("asymptotic", "near-limit", "unstable")
    assert set(out["attribution_rms"]) == {"dH", "boundary", "crossing", "smooth", "rest"}
    assert main(argv + ["--eps", "0.5"]) == 0
    text = capsys.readouterr().out
    assert "beyond the linear stability limit" in text and "theory does not apply" in text


@pytest.mark.parametrize("argv,needle", [
    (["--activation", "softplus_beta", "--beta", "0"], "beta"),
    (["--activation", "relu", "--eps", "fast"], "number"),
])
def test_cli_bad_new_options_exit_2(argv, needle, capsys):
    assert main(["bnn", *argv]) == 2
    err = capsys.readouterr().err
    assert needle in err and err.count("\n") == 1


# -- chain blocks ----------------------------------------------------------------------------------
@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_chain_blocks_give_the_same_bits_as_chains_one_by_one(activation):
    """trajectory integrates more than CHAIN_BLOCK chains block by block; chains are independent,
    so every field equals, bit for bit, the chain integrated alone."""
    model = bnn.make_bnn(activation, 4, 2, DATASETS["regression"])
    rng = np.random.default_rng(21)
    n = 2 * bnn.CHAIN_BLOCK + 3
    q0 = model.sample_prior(rng, n) * 0.3
    p0 = rng.standard_normal(q0.shape)
    together = bnn.trajectory(model, q0, p0, 1e-3, 15, record=True, start=model.evaluate(q0))
    for c in (0, bnn.CHAIN_BLOCK, n - 1):
        alone = bnn.trajectory(model, q0[c:c + 1], p0[c:c + 1], 1e-3, 15, record=True)
        for field in ("q", "p", "energy_error", "crossings", "predicted", "boundary"):
            np.testing.assert_array_equal(getattr(together, field)[c], getattr(alone, field)[0], err_msg=field)
        for field in ("step_energy_error", "step_predicted", "step_crossings", "step_boundary"):
            np.testing.assert_array_equal(getattr(together, field)[:, c], getattr(alone, field)[:, 0], err_msg=field)
