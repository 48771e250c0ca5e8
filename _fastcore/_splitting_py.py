"""Pure-NumPy twin of ``_fastcore._splitting_c``: same public names, same numbers.

One step of the palindromic splitting with kicks k_0..k_m and drifts d_1..d_m
(``relu_hmc.splittings``; BlackJAX's palindromic integrator, blackjax/mcmc/integrators.py):

    p <- p - (k_0 eps) u'(q);  q <- q + (d_1 eps) p;  p <- p - (k_1 eps) u'(q);  ...;  p <- p - (k_m eps) u'(q)

on a product target U(q) = sum_j u(q_j). A zero kick is skipped. Each drift counts the kinks
it crosses. The family terms and the exactly rounded energy sum are the leapfrog twin's
(``_leapfrog_py``), and the arithmetic is in the compiled kernel's order, so both backends
give the same floating-point results.
"""
from __future__ import annotations

import numpy as np

from relu_hmc._fastcore._leapfrog_py import gradient_terms, piece_index, potential_terms, row_sums

BACKEND = "numpy"


def trajectory(family, params, kinks, kicks, drifts, q0, p0, eps, n_steps):
    """n_steps steps of the splitting (kicks, drifts) of size eps for every chain (row) of q0, p0.

    Returns (q, p, energy_error, crossings) as ``_fastcore.trajectory``; inputs are trusted
    C-contiguous float64 arrays (validated by the numerics wrapper) and are not modified.
    """
    kicks = np.asarray(kicks, dtype=np.float64)
    drifts = np.asarray(drifts, dtype=np.float64)
    if kicks.shape[0] != drifts.shape[0] + 1:
        raise ValueError(f"a splitting needs one more kick than drifts, got {kicks.shape[0]} and {drifts.shape[0]}")
    with np.errstate(over="ignore", invalid="ignore"):
        return _trajectory(family, params, kinks, kicks, drifts, q0, p0, float(eps), n_steps)


def _trajectory(family, params, kinks, kicks, drifts, q0, p0, eps, n_steps):
    kick_steps = [float(k) * eps for k in kicks]    # the compiled kernel's k_i * eps, in doubles
    drift_steps = [float(d) * eps for d in drifts]
    q = np.array(q0, dtype=np.float64, copy=True)
    p = np.array(p0, dtype=np.float64, copy=True)
    g = gradient_terms(family, params, kinks, q)
    fresh = True  # g is the gradient at the current q
    count_kinks = kinks.shape[0] > 0
    labels = piece_index(kinks, q)
    crossings = np.zeros(q.shape[0], dtype=np.int64)
    for _ in range(n_steps):
        for i, a in enumerate(kick_steps):
            if a != 0.0:
                if not fresh:
                    g = gradient_terms(family, params, kinks, q)
                    fresh = True
                p -= a * g
            if i < len(drift_steps):
                q += drift_steps[i] * p
                if count_kinks:
                    new_labels = piece_index(kinks, q)
                    crossings += np.abs(new_labels - labels).sum(axis=1)
                    labels = new_labels
                fresh = False
    terms = (potential_terms(family, params, kinks, q) - potential_terms(family, params, kinks, q0)) \
        + 0.5 * (p * p - p0 * p0)
    return q, p, row_sums(terms), crossings
