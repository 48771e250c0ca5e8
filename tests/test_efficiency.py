"""ESS (Geyer initial monotone sequence) and HMC efficiency curves (numerics.efficiency).

ESS is cross-checked against ArviZ (arviz.ess, method="mean": the same multi-chain Geyer
estimator on raw draws; Vehtari et al. 2021) within 10%, and against the exact ESS of an
AR(1) chain, N (1 - phi)/(1 + phi), within the estimator's own spread (its relative SE is
about sqrt(2 tau / N_total) for a sum of autocorrelations truncated near 2 tau lags).
"""
import json
import math
import warnings

import numpy as np
import pytest

from relu_hmc.numerics import potentials as P
from relu_hmc.numerics.efficiency import autocovariance, efficiency_curve, ess
from relu_hmc.numerics.hmc import run_hmc

arviz = pytest.importorskip("arviz")


def ar1(phi, n_chains, n, seed):
    rng = np.random.default_rng(seed)
    x = np.empty((n_chains, n))
    x[:, 0] = rng.standard_normal(n_chains) / math.sqrt(1 - phi * phi)
    noise = rng.standard_normal((n_chains, n))
    for t in range(1, n):
        x[:, t] = phi * x[:, t - 1] + noise[:, t]
    return x


def arviz_ess(x):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(arviz.ess(x, method="mean"))


@pytest.mark.parametrize("phi", [0.0, 0.5, 0.9, -0.4])
def test_ess_matches_arviz_and_ar1_truth(phi):
    x = ar1(phi, 4, 4000, seed=int(100 * (phi + 1)))
    ours = ess(x)
    assert abs(ours / arviz_ess(x) - 1) < 0.10
    truth = x.size * (1 - phi) / (1 + phi)
    tau = (1 + phi) / (1 - phi)
    rel_se = math.sqrt(2 * max(tau, 1.0) * 2 * max(tau, 1.0) / x.size) + math.sqrt(2 / x.size)
    assert abs(ours / truth - 1) < 4 * rel_se, (ours, truth)


def test_ess_matches_arviz_on_hmc_draws():
    run = run_hmc(P.laplace(), 50, 0.2, 5, 1500, seed=11, n_chains=4, n_keep=3)
    for j in range(3):
        draws = run.samples[:, :, j].T  # (chains, draws)
        for f in (draws, draws ** 2):
            assert abs(ess(f) / arviz_ess(f) - 1) < 0.10


def test_autocovariance_lag0_is_variance():
    x = np.random.default_rng(0).standard_normal((3, 500))
    np.testing.assert_allclose(autocovariance(x)[:, 0], x.var(axis=1), rtol=1e-12)


@pytest.mark.slow
def test_efficiency_curve_shape_kinked():
    curve = efficiency_curve(P.laplace(), seed=12)
    acc = np.array([p.acceptance.value for p in curve.points])
    ls = np.array([p.l_eff for p in curve.points])
    assert np.all(np.diff(ls) > 0) and np.all(np.diff(acc) < 0)  # acceptance falls with l
    esjd = np.array([p.esjd_per_grad.value for p in curve.points])
    se = np.array([p.esjd_per_grad.se for p in curve.points])
    top = int(np.argmax(esjd))
    # unimodal with an interior maximum, significantly above both ends
    assert 0 < top < esjd.size - 1
    for end in (0, -1):
        assert esjd[top] - esjd[end] > 4 * math.hypot(se[top], se[end])
    opt = curve.optima["esjd"]
    assert not opt.at_boundary
    assert opt.acceptance.lo < opt.acceptance.value < opt.acceptance.hi
    json.dumps(curve.as_dict())


@pytest.mark.parametrize("call, match", [
    (lambda: ess(np.ones((2, 3))), "at least 4"),
    (lambda: ess(np.array([[0.0, 1.0, np.nan, 2.0, 3.0]])), "finite"),
    (lambda: efficiency_curve(P.laplace(), budget="tiny"), "budget"),
    (lambda: efficiency_curve(P.laplace(), d=0), "d must be"),
    (lambda: efficiency_curve(P.laplace(), ls=(1.0, 1.01, 1.02), d=4), "distinct n_steps"),
    (lambda: efficiency_curve(P.laplace(), ls=(1.0, 0.0, 2.0)), "l must"),
])
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()
