"""Pure-NumPy twin of ``_fastcore._bnn_c``: the elementwise hot loops of a Bayesian MLP.

Same public names and the same numbers (to rounding of the libm functions) as the compiled
module. The matrix products of the forward and backward passes stay in NumPy (BLAS); what
lives here is everything elementwise:

- `activate(code, z, slope)`: a = sigma(z) and sigma'(z) in one pass;
- `backprop_delta(r, da)`: r * sigma'(z), the pre-activation gradient from dU/da;
- `pattern(code, z)`: the activation pattern, int8 labels 1[z > 0] for kinked activations
  (relu, leaky_relu) and an empty (n_chains, 0) array for smooth ones (no kink, no crossing);
- `count_changes(old, new)`: changed labels per chain (n_chains, m) -> (n_chains,);
- `crossing_contributions(z0, z1, r0, r1, jump)`: predicted energy error of the crossings of
  one leapfrog step (see `numerics.bnn` for the derivation).

The derivative at a kink is the one of the side that `pattern` labels: z > 0 is "on"
(derivative 1), z <= 0 is "off" (derivative `slope`, 0 for relu).
"""
from __future__ import annotations

import math

import numpy as np
from scipy.special import erf

BACKEND = "numpy"

# Activation codes (the compiled twin's enum; tests check they agree).
RELU, LEAKY_RELU, GELU, SIGMOID, TANH, SOFTPLUS, SOFTPLUS_BETA = 0, 1, 2, 3, 4, 5, 6
KINKED_CODES = (RELU, LEAKY_RELU)

_INV_SQRT2 = 1.0 / math.sqrt(2.0)
_INV_SQRT2PI = 1.0 / math.sqrt(2.0 * math.pi)


def activate(code, z, slope, at_zero=None):
    """(sigma(z), sigma'(z)) elementwise for activation `code`; `slope` is leaky_relu's
    negative-side slope or softplus_beta's beta (ignored by the others); `at_zero` (kinked
    activations only) is the derivative used at z == 0 exactly (default: the off side's)."""
    z = np.ascontiguousarray(z, dtype=np.float64)
    if code == RELU or code == LEAKY_RELU:
        s = 0.0 if code == RELU else slope
        on = z > 0.0
        da = np.where(on, 1.0, s)
        if at_zero is not None:
            da[z == 0.0] = at_zero
        return np.where(on, z, s * z), da
    if code == GELU:
        # x Phi(x), Phi(x) = (1 + erf(x / sqrt 2)) / 2; derivative Phi(x) + x phi(x)
        cdf = 0.5 * (1.0 + erf(z * _INV_SQRT2))
        return z * cdf, cdf + z * (_INV_SQRT2PI * np.exp(-0.5 * z * z))
    if code == SIGMOID:
        e = np.exp(-np.abs(z))
        s = np.where(z >= 0.0, 1.0 / (1.0 + e), e / (1.0 + e))
        return s, s * (1.0 - s)
    if code == TANH:
        t = np.tanh(z)
        return t, 1.0 - t * t
    if code == SOFTPLUS:
        e = np.exp(-np.abs(z))
        a = np.maximum(z, 0.0) + np.log1p(e)
        return a, np.where(z >= 0.0, 1.0 / (1.0 + e), e / (1.0 + e))
    if code == SOFTPLUS_BETA:
        # log(1 + e^(beta z)) / beta = max(z, 0) + log1p(e^(-beta |z|)) / beta; -> relu as beta grows
        e = np.exp(-slope * np.abs(z))
        a = np.maximum(z, 0.0) + np.log1p(e) / slope
        return a, np.where(z >= 0.0, 1.0 / (1.0 + e), e / (1.0 + e))
    raise ValueError(f"unknown activation code {code}")


def backprop_delta(r, da):
    """dU/dz = dU/da * sigma'(z), elementwise."""
    return np.ascontiguousarray(r, dtype=np.float64) * np.ascontiguousarray(da, dtype=np.float64)


def pattern(code, z):
    """Activation pattern of pre-activations z (n_chains, ...): int8 1[z > 0] per unit and
    data point for a kinked activation, flattened to (n_chains, m); (n_chains, 0) if smooth."""
    z = np.asarray(z, dtype=np.float64)
    if code in KINKED_CODES:
        return (z > 0.0).astype(np.int8).reshape(z.shape[0], -1)
    return np.zeros((z.shape[0], 0), dtype=np.int8)


def count_changes(old, new):
    """Number of labels that differ, per chain (row)."""
    return np.count_nonzero(np.asarray(old) != np.asarray(new), axis=1).astype(np.int64)


def crossing_contributions(z0, z1, r0, r1, jump):
    """Predicted energy error of the kink crossings in one leapfrog step, per chain.

    z0, z1: pre-activations at the start and end of the position update (n_chains, m);
    r0, r1: dU/da of the same units there; jump: sigma'(0+) - sigma'(0-) (1 - slope).
    A unit whose sign changes crosses at phase theta = z0 / (z0 - z1) (exact when z is
    linear along the step) and contributes (1/2 - theta) * jump * |z1 - z0| * r(theta),
    r(theta) interpolated linearly. Returns (sums (n_chains,), counts (n_chains,)).
    """
    n_chains = np.shape(z0)[0]
    z0, z1, r0, r1 = (np.ascontiguousarray(v, dtype=np.float64).reshape(n_chains, -1)
                      for v in (z0, z1, r0, r1))
    crossed = (z0 > 0.0) != (z1 > 0.0)
    sums = np.zeros(n_chains, dtype=np.float64)
    counts = np.count_nonzero(crossed, axis=1).astype(np.int64)
    for c in np.flatnonzero(counts):
        idx = np.flatnonzero(crossed[c])
        a, b = z0[c, idx], z1[c, idx]
        theta = a / (a - b)
        r = r0[c, idx] + theta * (r1[c, idx] - r0[c, idx])
        terms = (0.5 - theta) * jump * np.abs(b - a) * r
        # the compiled twin accumulates left to right; cumsum is sequential too
        sums[c] = np.cumsum(terms)[-1]
    return sums, counts
