"""Pure-NumPy twin of ``_fastcore._splitting_c``: same public names, same numbers.

One step of the palindromic splitting with kicks k_0..k_m and drifts d_1..d_m
(``relu_hmc.splittings``; BlackJAX's palindromic integrator, blackjax/mcmc/integrators.py):

    p <- p - (k_0 eps) u'(q);  q <- q + (d_1 eps) p;  p <- p - (k_1 eps) u'(q);  ...;  p <- p - (k_m eps) u'(q)

on a product target U(q) = sum_j u(q_j). A zero kick is skipped. Each drift counts the kinks
it crosses. The step loop (``_leapfrog_py.integrate``: leapfrog is its default splitting),
the family terms and the exactly rounded energy sum are the leapfrog twin's, and the
arithmetic is in the compiled kernel's order, so both backends give the same floating-point
results.
"""
from __future__ import annotations

import numpy as np

from relu_hmc._fastcore._leapfrog_py import gradient_terms, integrate, piece_index, potential_terms

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
    return integrate(
        lambda x: potential_terms(family, params, kinks, x),
        lambda x: gradient_terms(family, params, kinks, x),
        (lambda x: piece_index(kinks, x)) if kinks.shape[0] > 0 else None,  # no kinks: nothing to count
        q0, p0, float(eps), n_steps, kicks, drifts,
    )
