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
        "measured_sigma_exponent", "measured_sigma_exponent_se", "truncation_slack", "truncation_slack_se",
        "sigma0_stable"}


def gamma_contains(result, gamma):
    # the bound on 2k plus its own SE, carried to gamma = 1/(2k)
    slack = (result["truncation_slack"] + result["truncation_slack_se"]) / result["measured_sigma_exponent"] ** 2
    lo, hi = result["measured_gamma_interval"]
    return lo - slack <= gamma <= hi + slack


def test_check_scaling_laplace():
    r = check_scaling(np.abs, np.sign, [0.0], gamma=0.5, T=1.0, budget="quick", seed=1)
    assert KEYS <= set(r)
    json.dumps(r)
    assert r["truncation_slack"] + r["truncation_slack_se"] < 0.05
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


# --- --check beyond leapfrog at fixed T: the user's U as a built-in family on the splitting kernel ---

from relu_hmc.commands.derive import numpy_callables  # noqa: E402
from relu_hmc.numerics.derive_check import check_limit_law, family_potential  # noqa: E402

HOLDER_POINT = [{"location": 0.0, "alpha": 1.5, "c_minus": 2.0, "c_plus": 2.0}]


@pytest.mark.parametrize("expr, kinks, holder, family", [
    ("Abs(q)", [0.0], [], "piecewise_quadratic"),
    ("Abs(q - 0.3) + q**2/2", [0.3], [], "piecewise_quadratic"),
    ("q**2/2", [], [], "piecewise_quadratic"),
    ("2*Abs(q)**(3/2)", [], HOLDER_POINT, "power"),
    ("q**4/4 + q**2", [], [], "quartic"),
    ("log(cosh(q))", [], [], None),
])
def test_a_user_potential_is_recognised_as_the_family_it_equals(expr, kinks, holder, family):
    u, du = numpy_callables(expr)
    found = family_potential(u, du, kinks, holder)
    assert (found.name if found else None) == family
    if found is not None:  # equal up to a constant, gradients equal
        x = np.linspace(-3.013, 2.987, 40)  # off the kinks (the gradient there is a convention)
        assert np.allclose(found.grad(x[:, None]).ravel(), du(x), rtol=1e-9, atol=1e-12)
        assert np.ptp(found.u(x[:, None]).ravel() - u(x)) < 1e-9


def test_check_runs_mala_on_the_splitting_kernel_when_U_is_a_family():
    """MALA on q^2/2: Sigma_0 = 1/16 (Roberts & Rosenthal 1998), gamma = 1/6; the engine is the
    compiled (or pure-twin) splitting kernel. Tolerance 4 SE + the smallest step's relative bias
    (Var/eps^6 = 1/16 + O(eps^2), eps = 0.025: below 1%, allowed 5%, as the numpy path's test)."""
    u, du = numpy_callables("q**2/2")
    family = family_potential(u, du)
    result = check_limit_law(u, du, algorithm="mala", sigma_exponent=6.0, seed=3, potential=family)
    assert result["engine"].startswith("splitting kernel")
    assert abs(result["measured_sigma0"] - 1 / 16) <= 4 * result["measured_sigma0_se"] + 0.05 / 16
    numpy_path = check_limit_law(u, du, algorithm="mala", sigma_exponent=6.0, seed=3)
    assert numpy_path["engine"].startswith("numpy")
