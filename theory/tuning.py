"""Optimal tuning of the step size from the limiting acceptance a(l) = 2 Phi(-sqrt(Sigma_0) l^k / 2).

Efficiency (expected squared jump per unit cost, up to constants) ~ l^m a(l) with
Sigma = Sigma_0 l^(2k). With x = sqrt(Sigma_0) l^k / 2, l^m a(l) ~ x^(m/k) Phi(-x), and
d/dx = 0 gives  Phi(-x) = (k/m) x phi(x);  optimal acceptance 2 Phi(-x*).
HMC smooth (k=2, m=1): 0.651 (Beskos, Pillai, Roberts, Sanz-Serna, Stuart, Bernoulli 2013,
arXiv 1001.4460); HMC kinked (k=1, m=1): 0.452; RWM (k=1, m=2): 0.234 (Roberts, Gelman,
Gilks 1997); MALA (k=3, m=2): 0.574 (Roberts, Rosenthal 1998). Solved with mpmath to 30
digits (proofs_notes/optimal_acceptance.md).
"""
from __future__ import annotations

import functools

import mpmath

DIGITS = 30


def _check_km(k, m):
    k, m = mpmath.mpf(k), mpmath.mpf(m)
    if not (k > 0 and m > 0):
        raise ValueError(f"exponents k and m must be positive, got k={k}, m={m}")
    return k, m


@functools.lru_cache(maxsize=64)
def optimal_x(k, m, dps: int = DIGITS):
    """x* > 0 solving Phi(-x) = (k/m) x phi(x) (unique: the ratio Phi(-x)/(x phi(x)) decreases)."""
    with mpmath.workdps(dps + 10):
        kk, mm = _check_km(k, m)
        g = lambda x: mpmath.ncdf(-x) - kk / mm * x * mpmath.npdf(x)  # noqa: E731
        # g(0+) = 1/2 > 0 and g(x) -> -0 like -(k/m - 1) x phi for k>m... bracket by scanning
        lo, hi = mpmath.mpf("1e-6"), mpmath.mpf("0.5")
        while g(hi) > 0:
            lo, hi = hi, hi * 2
            if hi > 100:
                raise ValueError(f"no optimum for k={k}, m={m}")
        x = mpmath.findroot(g, (lo, hi), solver="anderson")
        x = mpmath.findroot(g, x)
    with mpmath.workdps(dps):
        return +x


def optimal_acceptance(k, m=1, dps: int = DIGITS):
    """a* = 2 Phi(-x*) with x* from `optimal_x` (mpf, ``dps`` digits)."""
    with mpmath.workdps(dps + 10):
        value = 2 * mpmath.ncdf(-optimal_x(k, m, dps))
    with mpmath.workdps(dps):
        return +value


def optimal_l(sigma0, k, m=1, dps: int = DIGITS):
    """l* = (2 x* / sqrt(Sigma_0))^(1/k): the step-size constant maximising l^m a(l)."""
    sigma0 = mpmath.mpf(sigma0)
    if not (sigma0 > 0) or not mpmath.isfinite(sigma0):
        raise ValueError(f"Sigma_0 must be positive and finite, got {sigma0}")
    with mpmath.workdps(dps + 10):
        value = (2 * optimal_x(k, m, dps) / mpmath.sqrt(sigma0)) ** (1 / mpmath.mpf(k))
    with mpmath.workdps(dps):
        return +value


def acceptance_to_x(acceptance):
    """x with 2 Phi(-x) = acceptance (0 < acceptance < 1)."""
    a = mpmath.mpf(acceptance)
    if not (0 < a < 1):
        raise ValueError(f"acceptance must lie in (0, 1), got {acceptance}")
    return -mpmath.sqrt(2) * mpmath.erfinv(a - 1)  # Phi^{-1}(a/2) = sqrt(2) erfinv(a - 1)


def relative_efficiency(target_acceptance, k, m=1, dps: int = DIGITS):
    """Efficiency at a given limiting acceptance relative to the optimum (1 at a*).

    eff(x) ~ x^(m/k) Phi(-x) (Sigma_0 cancels), x = Phi^{-1}... from a = 2 Phi(-x):
    ratio = (x_a / x*)^(m/k) Phi(-x_a) / Phi(-x*).
    """
    with mpmath.workdps(dps + 10):
        kk, mm = _check_km(k, m)
        xa = acceptance_to_x(target_acceptance)
        xs = optimal_x(k, m, dps)
        value = (xa / xs) ** (mm / kk) * mpmath.ncdf(-xa) / mpmath.ncdf(-xs)
    with mpmath.workdps(dps):
        return +value
