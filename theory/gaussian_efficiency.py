"""Finite-d efficiency of leapfrog HMC on the standard Gaussian N(0, I_d): the expected
squared jump per gradient (ESJD per gradient) as a function of the number of steps at a fixed
integration time, and hence the acceptance at which it is largest.

Exact per-coordinate leapfrog algebra (theory.acceptance: the moments of the one-coordinate
energy error dh_1 and the leapfrog matrix) with the CLT for dH; no sampling.
"""
from __future__ import annotations

import math

import numpy as np
from scipy.stats import norm

from relu_hmc.theory.acceptance import gaussian_energy_error_moments, gaussian_leapfrog_matrix
from relu_hmc.theory.tuning import optimal_acceptance


def normal_acceptance_moments(mu: float, var: float) -> tuple[float, float]:
    """(E min(1, e^-X), E a'(X)) for X ~ N(mu, var), a(x) = min(1, e^-x): closed forms
    E a = Phi(-mu/s) + e^(-mu + var/2) Phi(mu/s - s) and E a' = -e^(-mu + var/2) Phi(mu/s - s),
    s = sqrt(var) (the log-normal partial expectation)."""
    s = math.sqrt(var)
    tail = math.exp(-mu + var / 2 + norm.logcdf(mu / s - s))
    return float(norm.cdf(-mu / s) + tail), float(-tail)


def gaussian_esjd_table(dims: list, T: float, max_steps: int = 200) -> dict:
    """Finite-d ESJD per gradient of HMC on N(0, I_d) for n = 1..max_steps leapfrog steps of
    size T/n, from the exact per-coordinate law, to first order in the coupling of one
    coordinate to the acceptance:

        ESJD = [a E J_1 + E a'(dH) Cov(dh_1, J_1)] / n,  J_1 = (x_T - x_0)_1^2,

    with dH approximated by N(d E dh_1, d Var dh_1) (CLT; its skewness is O(d^-1/2)),
    a = E min(1, e^-dH), and for z = (q, p) ~ N(0, I): dh_1 = z'(M'M - I)z/2,
    J_1 = (r.z)^2 with r the first row of M^n - I, so E J_1 = |r|^2 and
    Cov(dh_1, J_1) = r'(M'M - I)r (Cov of Gaussian quadratic forms = 2 tr(AB)).
    The finite-d effect this captures: the accepted jump depends on eps (leapfrog's rotation
    angle per step exceeds eps by eps^3/24), an O(eps^2) = O(d^-1/2) shift of the optimum.

    Returns {"T", "table": {str(d): [{"n_steps", "acceptance", "esjd_per_grad"}, ...]},
    "optimal_acceptance": the d -> infinity optimum (k = 2, m = 1: 0.651)}.
    """
    table = {str(d): [] for d in dims}
    for n in range(1, int(max_steps) + 1):
        eps = T / n
        if eps >= 2.0:  # leapfrog on N(0, 1) is unstable for eps >= 2
            continue
        m = gaussian_energy_error_moments(eps, n)
        M = np.linalg.matrix_power(np.array(gaussian_leapfrog_matrix(eps), dtype=float), n)
        r = M[0] - np.array([1.0, 0.0])
        cov = float(r @ (M.T @ M - np.eye(2)) @ r)
        for d in dims:
            mu, var = float(m["mean"]) * d, float(m["variance"]) * d
            if var <= 0:
                continue
            a, da = normal_acceptance_moments(mu, var)
            table[str(d)].append({"n_steps": n, "acceptance": a, "esjd_per_grad": (a * float(r @ r) + da * cov) / n})
    return {"T": T, "table": table, "optimal_acceptance": float(optimal_acceptance(2, 1))}
