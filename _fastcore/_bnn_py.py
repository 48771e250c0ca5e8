"""Pure-NumPy twin of ``_fastcore._bnn_c``: the kernels of a Bayesian MLP.

Same public names as the compiled module. The elementwise kernels give the same numbers (to
rounding of the libm functions for smooth activations):

- `activate(code, z, slope)`: a = sigma(z) and sigma'(z) in one pass;
- `backprop_delta(r, da)`: r * sigma'(z), the pre-activation gradient from dU/da;
- `pattern(code, z)`: the activation pattern, int8 labels 1[z > 0] for kinked activations
  (relu, leaky_relu) and an empty (n_chains, 0) array for smooth ones (no kink, no crossing);
- `count_changes(old, new)`: changed labels per chain (n_chains, m) -> (n_chains,);
- `crossing_contributions(z0, z1, r0, r1, jump)`: predicted energy error of the crossings of
  one leapfrog step (see `numerics.bnn` for the derivation);

and the whole network, fused in the compiled twin (one chain at a time, no temporaries):

- `evaluate(spec, theta, gradient)`: U, grad U, pre-activations and dU/da of every chain;
- `leapfrog(spec, q0, p0, eps, n_steps, u0, g0, z0, r0, jump)`: a leapfrog trajectory of
  every chain with its crossing bookkeeping.

Here the matrix products are NumPy's (BLAS), there loops and dgemm in another summation
order: the two agree to round-off, not bit for bit (tests/test_bnn_kernel.py states the bound).

The derivative at a kink is the one of the side that `pattern` labels: z > 0 is "on"
(derivative 1), z <= 0 is "off" (derivative `slope`, 0 for relu).
"""
from __future__ import annotations

import math

import numpy as np
from scipy.special import erf

BACKEND = "numpy"
#: `leapfrog` integrates chains in blocks of this many (same numbers: chains are independent).
#: A block's arrays (z, a, r: n_data x width per chain) stay in cache: at 64 chains the blocks
#: of 8 ran 1.5x (width 20) to 1.9x (width 100) more steps per second than one batch.
CHAIN_BLOCK = 8

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


# -- the whole network ---------------------------------------------------------------------------
def _layers(spec, theta):
    """[(W (C, fan_in, fan_out), b (C, fan_out)), ...]: contiguous copies out of theta (C, d)."""
    sizes = spec[7]
    out, k = [], 0
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        # contiguous copies: matmul on strided views skips BLAS (10x slower)
        w = np.ascontiguousarray(theta[:, k:k + fan_in * fan_out]).reshape(-1, fan_in, fan_out)
        k += fan_in * fan_out
        out.append((w, np.ascontiguousarray(theta[:, k:k + fan_out])))
        k += fan_out
    return out


def evaluate(spec, theta, gradient=True):
    """U, grad U, pre-activations z_l and backpropagated r_l = dU/da_l of every chain.

    spec = (code, parameter, at_zero, x, y, noise_sd, prior_sd, sizes): activation code and
    its parameter (leaky slope or beta), sigma'(0) of a kinked activation (None: the off
    side's), inputs x (n, n_in), targets y ((n, n_out) floats, or (n,) class labels when
    noise_sd is None: classification), prior sd per parameter (d,), layer sizes
    (n_in, W[, W], n_out). U and the layout of theta: numerics.bnn. Returns
    (u (C,), grad (C, d) or None, [z_l (C, n, W)], [r_l (C, n, W)] or []).
    """
    code, parameter, at_zero, x, y, noise_sd, prior_sd, sizes = spec
    theta = np.ascontiguousarray(theta, dtype=np.float64)
    if theta.ndim != 2 or theta.shape[1] != prior_sd.shape[0]:
        raise ValueError(f"theta must have shape (n_chains, {prior_sd.shape[0]}), got {theta.shape}")
    params = _layers(spec, theta)
    h = x
    acts, zs, das = [h], [], []
    for w, b in params[:-1]:
        z = np.matmul(h, w) + b[:, None, :]
        h, da = activate(code, z, parameter, at_zero)
        zs.append(z)
        das.append(da)
        acts.append(h)
    w, b = params[-1]
    f = np.matmul(h, w) + b[:, None, :]
    if noise_sd is not None:
        inv_var = 1.0 / noise_sd ** 2
        resid = f - y
        lik = 0.5 * inv_var * np.einsum("cnk,cnk->c", resid, resid)
        delta = resid * inv_var
    else:
        m = f.max(axis=2, keepdims=True)
        e = np.exp(f - m)
        s = e.sum(axis=2, keepdims=True)
        n = np.arange(f.shape[1])
        lik = (m[:, :, 0] + np.log(s[:, :, 0]) - f[:, n, y]).sum(axis=1)
        delta = e / s
        delta[:, n, y] -= 1.0
    scaled = theta / prior_sd
    u = lik + 0.5 * np.einsum("cd,cd->c", scaled, scaled)
    if not gradient:
        return u, None, zs, []
    grad = np.empty_like(theta)
    rs = [None] * len(zs)
    k = theta.shape[1]
    for layer in range(len(params) - 1, -1, -1):
        w, _ = params[layer]
        fan_in, fan_out = sizes[layer], sizes[layer + 1]
        a_prev = acts[layer]
        # contiguous transposes: matmul on transposed views of stacks skips BLAS (100x slower at width 500)
        a_t = a_prev.T if a_prev.ndim == 2 else np.ascontiguousarray(a_prev.transpose(0, 2, 1))
        k -= fan_out
        grad[:, k:k + fan_out] = delta.sum(axis=1)
        k -= fan_in * fan_out
        grad[:, k:k + fan_in * fan_out] = np.matmul(a_t, delta).reshape(theta.shape[0], -1)
        if layer > 0:
            r = np.matmul(delta, np.ascontiguousarray(w.transpose(0, 2, 1)))
            rs[layer - 1] = r
            delta = backprop_delta(r, das[layer - 1])
    grad += theta / prior_sd ** 2
    return u, grad, zs, rs


def _row_fsum(a):
    """Exactly rounded row sums; a row that overflows (a diverged trajectory) sums to
    inf/nan the plain way (math.fsum raises on intermediate overflow)."""
    out = np.empty(a.shape[0])
    for i, row in enumerate(a):
        try:
            out[i] = math.fsum(row)
        except (OverflowError, ValueError):
            out[i] = np.sum(row)
    return out


def leapfrog(spec, q0, p0, eps, n_steps, u0, g0, z0, r0, jump):
    """`n_steps` leapfrog steps p -= (eps/2) g; q += eps p; p -= (eps/2) g' of every chain from
    (q0, p0) (C, d), starting from its evaluation (u0, g0, z0, r0) (`evaluate`), with the
    crossing bookkeeping of numerics.bnn (`crossing_contributions` over every hidden layer;
    none for smooth activations). Returns (q, p, energy_error, crossings, predicted, boundary,
    u_end, step_energy_error, step_predicted, step_crossings, step_boundary): per chain
    (C,), per step and chain (n_steps, C). energy_error = (U_L - U_0) + sum_j (p_j^2 - p0_j^2)/2,
    the kinetic sum exactly rounded; boundary = (eps^2/8)(|g_L|^2 - |g_0|^2).
    u0 = g0 = z0 = r0 = None: the start is evaluated here, block of chains by block.
    """
    q0, p0 = np.asarray(q0, dtype=np.float64), np.asarray(p0, dtype=np.float64)
    parts = []
    for i in range(0, q0.shape[0], CHAIN_BLOCK):
        rows = slice(i, i + CHAIN_BLOCK)
        if u0 is None:
            start = evaluate(spec, q0[rows])
        else:
            start = (u0[rows], g0[rows], [z[rows] for z in z0], [r[rows] for r in r0])
        parts.append(_leapfrog_block(spec, q0[rows], p0[rows], eps, n_steps, *start, jump))
    return tuple(np.concatenate([part[k] for part in parts], axis=1 if k >= 7 else 0)
                 for k in range(11))


def _leapfrog_block(spec, q0, p0, eps, n_steps, u0, g0, z0, r0, jump):
    q, p = q0.copy(), p0.copy()
    n_chains = q.shape[0]
    kinked = spec[0] in KINKED_CODES
    crossings = np.zeros(n_chains, dtype=np.int64)
    predicted = np.zeros(n_chains)
    step_dh, step_bound = np.empty((n_steps, n_chains)), np.empty((n_steps, n_chains))
    step_pred = np.zeros((n_steps, n_chains))
    step_cross = np.zeros((n_steps, n_chains), dtype=np.int64)
    u, g, zs, rs = u0, g0, z0, r0
    kinetic = 0.5 * np.einsum("cd,cd->c", p, p)
    g2 = np.einsum("cd,cd->c", g, g)
    g2_start = g2
    half = 0.5 * eps
    with np.errstate(over="ignore", invalid="ignore"):  # a diverging trajectory is rejected
        for s in range(n_steps):
            p -= half * g
            q += eps * p
            u_new, g_new, zs_new, rs_new = evaluate(spec, q)
            p -= half * g_new
            if kinked:
                for z_old, z_new, r_old, r_new in zip(zs, zs_new, rs, rs_new):
                    sums, counts = crossing_contributions(z_old, z_new, r_old, r_new, jump)
                    step_pred[s] += sums
                    step_cross[s] += counts
                crossings += step_cross[s]
                predicted += step_pred[s]
            new_kinetic = 0.5 * np.einsum("cd,cd->c", p, p)
            new_g2 = np.einsum("cd,cd->c", g_new, g_new)
            step_dh[s] = (u_new - u) + (new_kinetic - kinetic)
            step_bound[s] = (eps * eps / 8.0) * (new_g2 - g2)
            u, g, zs, rs, kinetic, g2 = u_new, g_new, zs_new, rs_new, new_kinetic, new_g2
        energy = (u - u0) + _row_fsum(0.5 * (p * p - p0 * p0))
        boundary = (eps * eps / 8.0) * (g2 - g2_start)
    return (q, p, energy, crossings, predicted, boundary, u,
            step_dh, step_pred, step_cross, step_bound)
