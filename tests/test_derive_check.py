"""The measured side of `relu-hmc derive EXPR --check` (numerics.derive_check.check_scaling).

Oracles: |q| (Laplace): 2k = 2, gamma = 1/2, Sigma_0 = T J^2 pi(0) E|p|^3/12 = 0.26596 at T=1;
q^2/2 (Gaussian): 2k = 4, gamma = 1/4, and Sigma_0 at the largest quick d equals
d Var(dh_1)/l_eff^4 with Var(dh_1) from the exact matrix-power formula (test_acceptance).
Tolerance: 4 SE; for gamma the bootstrap interval widened by the truncation slack of 2k
mapped through gamma = 1/(2k) (slack / (2k)^2).
"""
import json
import math

import numpy as np
import pytest

from relu_hmc.numerics.derive_check import check_scaling

LAPLACE_SIGMA0 = 4.0 * 0.5 * 2.0 * math.sqrt(2.0 / math.pi) / 12.0
KEYS = {"measured_sigma0", "measured_sigma0_se", "measured_gamma", "measured_gamma_se", "measured_gamma_interval",
        "measured_sigma_exponent", "measured_sigma_exponent_se", "truncation_slack", "sigma0_stable"}


def gamma_contains(result, gamma):
    slack = result["truncation_slack"] / result["measured_sigma_exponent"] ** 2
    lo, hi = result["measured_gamma_interval"]
    return lo - slack <= gamma <= hi + slack


def test_check_scaling_laplace():
    r = check_scaling(np.abs, np.sign, [0.0], gamma=0.5, T=1.0, budget="quick", seed=1)
    assert KEYS <= set(r)
    json.dumps(r)
    assert r["truncation_slack"] < 0.05
    assert gamma_contains(r, 0.5), r
    assert abs(r["measured_sigma0"] - LAPLACE_SIGMA0) <= 4 * r["measured_sigma0_se"], r
    assert r["seconds"] < 20


@pytest.mark.slow
def test_check_scaling_gaussian():
    r = check_scaling(lambda x: 0.5 * x * x, lambda x: x, [], gamma=0.25, T=1.0, seed=2)
    assert gamma_contains(r, 0.25), r
    last = r["sigma0_per_d"][-1]
    d = last["d"]
    n_steps = max(1, round(d ** 0.25))
    eps = 1.0 / n_steps
    m = np.array([[1 - eps ** 2 / 2, eps], [-eps + eps ** 3 / 4, 1 - eps ** 2 / 2]])
    mn = np.linalg.matrix_power(m, n_steps)
    a = mn.T @ mn - np.eye(2)
    exact = d * np.trace(a @ a) / 2 / (eps * d ** 0.25) ** 4
    assert abs(last["value"] - exact) <= 4 * last["se"], (last, exact)


@pytest.mark.parametrize("u, du, kwargs, match", [
    (np.log, lambda x: 1 / x, {}, "not finite"),
    (lambda x: x ** 2, lambda x: 2 * x, {"budget": "fast"}, "budget"),
    (lambda x: x ** 2, lambda x: 2 * x, {"T": 0.0}, "T must"),
    (lambda x: x ** 2, lambda x: 2 * x, {"gamma": 2.0}, "gamma"),
    ("x**2", lambda x: 2 * x, {}, "callable"),
    (lambda x: x ** 2, lambda x: np.sum(x), {}, "shape"),
    (lambda x: x ** 2, lambda x: 2 * x, {"kinks": ["a"]}, "kinks"),
    (lambda x: x ** 2, lambda x: 1 / 0, {}, "du failed"),
])
def test_bad_input(u, du, kwargs, match):
    with np.errstate(all="ignore"), pytest.raises(ValueError, match=match):
        check_scaling(u, du, **kwargs)
