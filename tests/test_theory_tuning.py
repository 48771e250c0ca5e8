"""relu_hmc.theory.tuning: optimal acceptance from Phi(-x) = (k/m) x phi(x), to 30 digits."""
import math

import mpmath
import pytest
from scipy.optimize import brentq
from scipy.stats import norm

from relu_hmc.theory.tuning import optimal_acceptance, optimal_l, optimal_x, relative_efficiency

# Frozen 30-digit values. Provenance: theory.tuning.optimal_acceptance(k, m, dps=50), mpmath
# 1.3.0, sympy 1.14, Python 3.11.7, 2026-11-23; cross-checked below by scipy brentq in double
# precision and against the literature's 3-decimal values.
FROZEN = {
    (2, 1): "0.651259750927778702455391180535",  # HMC smooth (BPRSS 2013: 0.651)
    (1, 1): "0.452176439603213478606719516179",  # HMC kinked (this toolkit: ~0.452)
    (1, 2): "0.233810161331836644463232592308",  # RWM (Roberts-Gelman-Gilks 1997: 0.234)
    (3, 2): "0.574235635613031876277162031454",  # MALA (Roberts-Rosenthal 1998: 0.574)
}
LITERATURE = {(2, 1): 0.651, (1, 1): 0.452, (1, 2): 0.234, (3, 2): 0.574}


@pytest.mark.parametrize("km", sorted(FROZEN))
def test_thirty_digits_and_literature(km):
    value = optimal_acceptance(*km, dps=30)
    with mpmath.workdps(30):
        assert abs(value - mpmath.mpf(FROZEN[km])) < mpmath.mpf(10) ** -29
    assert round(float(value), 3) == LITERATURE[km]


@pytest.mark.parametrize("km", sorted(FROZEN))
def test_independent_double_precision_root(km):
    k, m = km
    x = brentq(lambda x: norm.cdf(-x) - k / m * x * norm.pdf(x), 1e-6, 10, xtol=1e-15)
    assert math.isclose(float(optimal_x(k, m)), x, rel_tol=1e-12)


def test_optimum_maximises_efficiency():
    sigma0, k = 0.3, 2
    l_star = float(optimal_l(sigma0, k))
    eff = lambda l: l * 2 * norm.cdf(-math.sqrt(sigma0) * l**k / 2)  # noqa: E731
    assert eff(l_star) > eff(0.99 * l_star) and eff(l_star) > eff(1.01 * l_star)


def test_relative_efficiency():
    for k in (1, 2):
        assert math.isclose(float(relative_efficiency(optimal_acceptance(k, 1), k, 1)), 1.0, rel_tol=1e-20)
    for target in (0.65, 0.75, 0.8):
        assert 0 < float(relative_efficiency(target, 2, 1)) <= 1
    assert float(relative_efficiency(0.8, 2, 1)) < float(relative_efficiency(0.75, 2, 1)) < 1


def test_bad_arguments():
    for bad in [(0, 1), (1, -1)]:
        with pytest.raises(ValueError):
            optimal_acceptance(*bad)
    with pytest.raises(ValueError):
        relative_efficiency(1.2, 2, 1)
    with pytest.raises(ValueError):
        optimal_l(-1, 2, 1)
